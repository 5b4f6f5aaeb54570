/**
 * Lambkin's state folder: where what must outlive a process is kept (the embedded queue's jobs and dead letters).
 * `--state DIR`, else LAMBKIN_STATE_DIR, else `.lambkin/` in the working directory.
 */
import { resolve } from "node:path";

export function stateFolder(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env.LAMBKIN_STATE_DIR;
  return resolve(chosen === undefined || chosen === "" ? ".lambkin" : chosen);
}

/** REDIS_URL, when set: the queue and the concurrency caps are then shared through that Redis. */
export function redisUrlOf(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env.REDIS_URL;
  return url === undefined || url.trim() === "" ? undefined : url.trim();
}
