/**
 * Identifiers and timestamps in the shapes API Gateway uses: API ids (`gy415nuibc`), REST resource ids
 * (`roq9wj`), request ids (REST: a UUID; the "extended" id and HTTP API ids: 16 characters like
 * `BQGojGkAiYcFmZA=`), X-Ray trace ids and the CLF request time `09/Apr/2015:12:34:56 +0000`.
 */
import { createHash, randomUUID } from "node:crypto";
import { pooledRandomBytes as random } from "../../runtime/invoker/random-pool.js";

const ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A stable lower-case alphanumeric id of `length` characters derived from `seed`. */
export function stableId(seed: string, length: number): string {
  const digest = createHash("sha256").update(seed).digest();
  let id = "";
  for (let index = 0; index < length; index++)
    id += ALPHANUMERIC[(digest[index] as number) % ALPHANUMERIC.length];
  return id;
}

export function restRequestId(): string {
  return randomUUID();
}

/** 11 random bytes in base64: 15 characters and one `=`, as `$context.extendedRequestId` and HTTP API ids look. */
export function shortRequestId(): string {
  return random(11).toString("base64").replace(/\+/g, "A").replace(/\//g, "B");
}

/** The `X-Amzn-Trace-Id` API Gateway adds to the request it passes on. */
export function traceHeader(now: number): string {
  const epochHex = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, "0");
  return `Root=1-${epochHex}-${random(12).toString("hex")}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `$context.requestTime`: `09/Apr/2015:12:34:56 +0000` (UTC). */
export function clfTime(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (value: number) => String(value).padStart(2, "0");
  return (
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}
