/**
 * Reads a process's resident memory from /proc. Used for REPORT's "Max Memory Used" (VmHWM, the
 * peak) and, where no memory cgroup can be made, to enforce memorySize by killing the environment
 * when its RSS goes over it, which Lambda reports as `signal: killed`.
 */
import { readFileSync } from "node:fs";

export interface ResidentMemory {
  readonly currentBytes: number;
  readonly peakBytes: number;
}

export function readResidentMemory(pid: number): ResidentMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  return {
    currentBytes: kilobytesField(status, "VmRSS") * 1024,
    peakBytes: kilobytesField(status, "VmHWM") * 1024,
  };
}

function kilobytesField(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match?.[1] ? Number(match[1]) : 0;
}
