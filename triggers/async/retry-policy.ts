/**
 * When an asynchronous event runs again (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html):
 * - after a function error or a timeout, Lambda waits about 1 minute before the first retry and about 2 minutes
 *   before the second. LAMBKIN_ASYNC_RETRY_DELAYS (seconds, comma-separated, default `60,120`) sets these waits,
 *   so that tests and demos need not wait minutes; the last one repeats when fewer are given than retries.
 * - after a throttle or a platform error (no environment could start), the event goes back to the queue without
 *   counting an attempt, with a backoff that grows from 1 second to 5 minutes, until its maximum age.
 */
import { ConfigError } from "../../runtime/errors/config-error.js";
import { coded } from "../../runtime/errors/lambkin-codes.js";

export const DEFAULT_RETRY_DELAYS_SECONDS: readonly number[] = [60, 120];
const THROTTLE_BACKOFF_FIRST_MS = 1000;
const THROTTLE_BACKOFF_MAX_MS = 5 * 60 * 1000;
/** A delay longer than Lambda's 6 hours of event age could never run. */
const MAX_RETRY_DELAY_SECONDS = 21_600;

export interface RetryPolicy {
  /** The wait before retry number `retry` (1 = the first retry). */
  retryDelayMs(retry: number): number;
  /** The wait after the `postponements`-th throttle or platform error of one event (1 = the first). */
  postponeDelayMs(postponements: number): number;
}

/** Reads LAMBKIN_ASYNC_RETRY_DELAYS; throws ConfigError for anything but non-negative numbers of seconds. */
export function retryPolicyFromEnvironment(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const text = env.LAMBKIN_ASYNC_RETRY_DELAYS;
  const seconds = text === undefined || text.trim() === "" ? DEFAULT_RETRY_DELAYS_SECONDS : parseDelays(text);
  return retryPolicy(seconds);
}

export function retryPolicy(delaysSeconds: readonly number[]): RetryPolicy {
  const delays = delaysSeconds.length > 0 ? delaysSeconds : DEFAULT_RETRY_DELAYS_SECONDS;
  return {
    retryDelayMs: (retry) => Math.round((delays[Math.min(retry, delays.length) - 1] ?? 0) * 1000),
    postponeDelayMs: (postponements) =>
      Math.min(
        THROTTLE_BACKOFF_MAX_MS,
        THROTTLE_BACKOFF_FIRST_MS * 2 ** Math.max(0, Math.min(postponements - 1, 20)),
      ),
  };
}

function parseDelays(text: string): number[] {
  const parts = text.split(",").map((part) => part.trim());
  const delays = parts.map(Number);
  if (
    parts.length > 10 ||
    delays.some(
      (delay, i) =>
        parts[i] === "" || !Number.isFinite(delay) || delay < 0 || delay > MAX_RETRY_DELAY_SECONDS,
    )
  ) {
    throw new ConfigError(
      coded(
        "LKN_ERR_CONFIG_INVALID",
        `LAMBKIN_ASYNC_RETRY_DELAYS must be seconds separated by commas (each 0–${MAX_RETRY_DELAY_SECONDS}), e.g. 60,120; got "${text}"`,
      ),
    );
  }
  return delays;
}
