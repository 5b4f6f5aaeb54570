/** X-Ray trace header Lambda passes to every invocation (`Lambda-Runtime-Trace-Id`, §1.2); not sampled locally. */
import { randomBytes } from "node:crypto";

export function newTraceId(now = Date.now()): string {
  const epochHex = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, "0");
  return `Root=1-${epochHex}-${randomBytes(12).toString("hex")};Parent=${randomBytes(8).toString("hex")};Sampled=0`;
}
