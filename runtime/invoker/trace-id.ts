/** X-Ray trace header Lambda passes to every invocation (`Lambda-Runtime-Trace-Id`, §1.2); not sampled locally. */
import { pooledRandomBytes } from "./random-pool.js";

export function newTraceId(now = Date.now()): string {
  const epochHex = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, "0");
  const random = pooledRandomBytes(20).toString("hex");
  return `Root=1-${epochHex}-${random.slice(0, 24)};Parent=${random.slice(24)};Sampled=0`;
}
