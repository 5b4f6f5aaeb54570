/**
 * Random bytes for identifiers (trace ids, API Gateway's request ids), drawn from a pool: one synchronous
 * randomBytes call per 4 KB instead of two or three per invocation, each of which was a visible share of the main
 * process's time. The bytes are crypto-random all the same; callers turn them into text at once.
 */
import { randomBytes } from "node:crypto";

const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

/** `length` (≤ 4096) random bytes, valid until the next call. */
export function pooledRandomBytes(length: number): Buffer {
  if (offset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  offset += length;
  return pool.subarray(offset - length, offset);
}
