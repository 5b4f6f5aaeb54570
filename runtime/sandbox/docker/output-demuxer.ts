/**
 * Splits the Docker engine's multiplexed attach stream (a container without a TTY) back into the
 * runtime's stdout and stderr, then into lines for the invocation log: each frame is an 8-byte header
 * (stream type, 3 zero bytes, big-endian payload length) followed by the payload.
 */
import { splitLines } from "../line-splitter.js";
import type { OutputStream } from "../sandbox.js";

const HEADER_BYTES = 8;
const STREAM_TYPES: Record<number, OutputStream> = { 1: "stdout", 2: "stderr" };

export interface OutputDemuxer {
  write(chunk: Buffer): void;
  end(): void;
}

export function demuxOutput(onLine: (stream: OutputStream, line: string) => void): OutputDemuxer {
  const lines = {
    stdout: splitLines((line) => onLine("stdout", line)),
    stderr: splitLines((line) => onLine("stderr", line)),
  };
  let pending: Buffer = Buffer.alloc(0);
  return {
    write(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= HEADER_BYTES) {
        const size = pending.readUInt32BE(4);
        if (pending.length < HEADER_BYTES + size) break;
        const stream = STREAM_TYPES[pending[0] ?? 0];
        const payload = pending.subarray(HEADER_BYTES, HEADER_BYTES + size);
        if (stream) lines[stream].write(payload);
        pending = pending.subarray(HEADER_BYTES + size);
      }
    },
    end() {
      lines.stdout.end();
      lines.stderr.end();
    },
  };
}
