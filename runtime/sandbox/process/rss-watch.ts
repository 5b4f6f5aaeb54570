/**
 * Reads a process's resident memory from /proc. Used for REPORT's "Max Memory Used" (VmHWM, the
 * peak) and, where no memory cgroup can be made, to enforce memorySize by killing the environment
 * when its RSS goes over it, which Lambda reports as `signal: killed`.
 */
import { RereadableFile } from "./rereadable-file.js";

export interface ResidentMemory {
  readonly currentBytes: number;
  readonly peakBytes: number;
}

/** A process's resident memory, read through one kept descriptor of its /proc status. */
export class ResidentMemoryReader {
  private readonly status: RereadableFile;

  constructor(readonly pid: number) {
    this.status = new RereadableFile(`/proc/${pid}/status`);
  }

  /** Undefined once the process is gone. */
  read(): ResidentMemory | undefined {
    const status = this.status.read();
    if (status === undefined) return undefined;
    return {
      currentBytes: kilobytesField(status, VM_RSS) * 1024,
      peakBytes: kilobytesField(status, VM_HWM) * 1024,
    };
  }

  close(): void {
    this.status.close();
  }
}

/** Read after every invocation: made once, not once per read. */
const VM_RSS = /^VmRSS:\s+(\d+) kB/m;
const VM_HWM = /^VmHWM:\s+(\d+) kB/m;

function kilobytesField(status: string, field: RegExp): number {
  const match = field.exec(status);
  return match?.[1] ? Number(match[1]) : 0;
}

/** One reading of a process's resident memory, for callers that do not keep a reader. */
export function readResidentMemory(pid: number): ResidentMemory | undefined {
  const reader = new ResidentMemoryReader(pid);
  try {
    return reader.read();
  } finally {
    reader.close();
  }
}
