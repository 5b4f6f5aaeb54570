/**
 * How long the gateway waits for a client to SEND its request, so that a slow or stalled client (a body trickled
 * one byte every few seconds, headers that never end, a connection opened and left silent) cannot hold a
 * connection, memory or an invocation forever. These bound only the arrival of the request: once it is complete,
 * the invocation may run its full timeout (up to 15 minutes) while the client waits for the answer.
 *
 * - LAMBKIN_HEADERS_TIMEOUT_MS (default 10 s): the request line and headers must arrive within this, counted from
 *   the first byte of the request (or from the connection, for its first request). Every real client sends them
 *   at once; 10 s leaves room for a distant, loaded client.
 * - LAMBKIN_REQUEST_TIMEOUT_MS (default 60 s): the whole request, body included. Enough for Lambda's largest
 *   payload (6 MB) over a 1 Mbit/s link; a body trickled slower is cut.
 *
 * Node enforces both (http.Server `headersTimeout` / `requestTimeout`) by checking its connections every
 * `connectionsCheckingInterval` — 30 s by default, which would let a slow client overstay by up to 30 s; the
 * gateway checks every second. A connection cut this way gets no answer: neither Lambda nor API Gateway documents
 * one for a client too slow to send its request, so the connection is closed (gateway-client-errors.ts).
 * No socket inactivity timeout is set: a client legitimately waits, silent, for a long invocation's answer.
 */

export interface ClientTimeouts {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** How often Node looks for connections past those limits. */
  readonly checkIntervalMs: number;
}

export const DEFAULT_CLIENT_TIMEOUTS: ClientTimeouts = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  checkIntervalMs: 1_000,
};

export function clientTimeoutsFromEnvironment(env: NodeJS.ProcessEnv = process.env): ClientTimeouts {
  const requestTimeoutMs = milliseconds(
    env,
    "LAMBKIN_REQUEST_TIMEOUT_MS",
    DEFAULT_CLIENT_TIMEOUTS.requestTimeoutMs,
  );
  const headersTimeoutMs = Math.min(
    milliseconds(env, "LAMBKIN_HEADERS_TIMEOUT_MS", DEFAULT_CLIENT_TIMEOUTS.headersTimeoutMs),
    // Node refuses a headers timeout longer than the request timeout: the headers are part of the request.
    requestTimeoutMs,
  );
  // Checked at least 4 times per timeout, so that a short timeout (tests, strict setups) is enforced on time.
  const checkIntervalMs = Math.max(
    50,
    Math.min(DEFAULT_CLIENT_TIMEOUTS.checkIntervalMs, Math.floor(headersTimeoutMs / 4)),
  );
  return { headersTimeoutMs, requestTimeoutMs, checkIntervalMs };
}

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    throw new Error(`${name} must be a positive whole number of milliseconds (got "${value}")`);
  }
  return number;
}
