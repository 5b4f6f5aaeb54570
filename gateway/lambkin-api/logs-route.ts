/**
 * `GET /_lambkin/logs`: the recent invocation logs of the functions this process runs (runtime/logs/recent-logs.ts),
 * as CloudWatch Logs would show them, for `lambkin logs` (the `aws logs tail` of Lambkin):
 * - `function` — a function's name, serverless.yml key or ARN (default: every function's);
 * - `since` — `10m`, `1h`, `2d`, an ISO 8601 time or ms since the epoch, as `aws logs tail --since` (default: all kept);
 * - `filter` — CloudWatch's filter pattern terms (`ERROR`, `"timed out"`, `?a ?b`, `-x`; runtime/logs/log-filter.ts);
 * - `follow=1` — keep the response open: the events kept, then every new one, as server-sent events
 *   (https://html.spec.whatwg.org/multipage/server-sent-events.html): `event: log`, `id: <eventId>` (an EventSource
 *   that reconnects sends it back as Last-Event-ID and gets only what came after), `data: <the event as JSON>`.
 * Without follow the answer is JSON: `{ "events": [...], "buffer": { events, bytes, evicted, followers } }`, each
 * event `{ eventId, timestamp, functionName, logGroupName, logStreamName, requestId?, message }` (the fields of
 * CloudWatch's FilterLogEvents, plus the function and its request id).
 *
 * A follower that reads slower than its functions print never makes Lambkin hold their output for it: what the
 * socket does not take waits in a queue of at most FOLLOWER_QUEUE_BYTES, and what comes past that is dropped and
 * counted; once the client catches up it gets `event: dropped`, `data: {"dropped": n}`. A client that goes away is
 * unsubscribed at once; every follower's stream is ended when the server closes. A comment line every
 * HEARTBEAT_MS keeps proxies from cutting an idle stream.
 *
 * `lambkin dev` files its functions' lines there itself; `lambkin gateway` the lines its workers forward through
 * Redis (triggers/cluster/redis/redis-log-forwarding.ts). A gateway given no recent logs at all (an embedder's)
 * answers 501 LKN_ERR_LOGS_UNAVAILABLE, saying where the logs are.
 */
import type { ServerResponse } from "node:http";
import type { FastifyInstance, FastifyReply } from "fastify";
import { LogFilterError, parseLogFilter } from "../../runtime/logs/log-filter.js";
import { LogSinceError, parseSince } from "../../runtime/logs/log-since.js";
import type { LogEvent, LogQuery, RecentLogs } from "../../runtime/logs/recent-logs.js";
import { invalidRequest, LambkinApiError } from "./lambkin-api-error.js";

/** What one slow follower may have waiting for its socket before new events are dropped for it. */
export const FOLLOWER_QUEUE_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;
/** At most this many events in one JSON answer (the most recent ones). */
const MAX_EVENTS_PER_ANSWER = 10_000;

export interface LogsRouteOptions {
  /** None: this gateway keeps no invocation logs (501). */
  readonly recent?: RecentLogs;
  /** The Lambda name a reference (name, key, ARN) names, undefined for none. */
  readonly functionName: (reference: string) => string | undefined;
}

interface LogsQuery {
  function?: string;
  since?: string;
  filter?: string;
  follow?: string;
  limit?: string;
}

export function registerLogsRoute(api: FastifyInstance, options: LogsRouteOptions): void {
  const followers = new Set<ServerResponse>();
  api.addHook("preClose", (done) => {
    for (const follower of followers) follower.end();
    done();
  });
  api.get("/logs", async (request, reply) => {
    const recent = options.recent;
    if (recent === undefined) {
      throw new LambkinApiError(
        501,
        "LKN_ERR_LOGS_UNAVAILABLE",
        "this gateway keeps no invocation logs: it runs no function and receives none from workers; each worker writes its functions' lines to its own output (`docker compose logs -f worker`, or the worker's stderr)",
      );
    }
    const query = request.query as LogsQuery;
    const selection = selectionOf(query, options);
    const events = recent.query(selection);
    if (!isOn(query.follow)) {
      const limit = limitOf(query.limit);
      return reply.send({ events: events.slice(-limit).map(asJson), buffer: recent.stats() });
    }
    const lastEventId = Number(request.headers["last-event-id"]);
    const backlog = Number.isSafeInteger(lastEventId)
      ? events.filter((e) => e.eventId > lastEventId)
      : events;
    stream(reply, recent, selection, backlog, followers);
    return reply;
  });
}

function selectionOf(query: LogsQuery, options: LogsRouteOptions): LogQuery {
  let since: number | undefined;
  let filter: (message: string) => boolean;
  try {
    since = query.since === undefined || query.since === "" ? undefined : parseSince(query.since);
    filter = parseLogFilter(query.filter);
  } catch (error) {
    if (error instanceof LogSinceError || error instanceof LogFilterError)
      throw invalidRequest(error.message);
    throw error;
  }
  const reference = query.function;
  if (reference === undefined || reference === "")
    return { ...(since === undefined ? {} : { since }), filter };
  const functionName = options.functionName(reference);
  if (functionName === undefined) {
    throw new LambkinApiError(
      404,
      "LKN_ERR_LOGS_FUNCTION_NOT_FOUND",
      `no function ${JSON.stringify(reference.slice(0, 200))} here (a function's name, serverless.yml key or ARN)`,
    );
  }
  return { functionName, ...(since === undefined ? {} : { since }), filter };
}

function isOn(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", ""].includes(value);
}

function limitOf(value: string | undefined): number {
  if (value === undefined || value === "") return MAX_EVENTS_PER_ANSWER;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS_PER_ANSWER)
    throw invalidRequest(`limit must be an integer from 1 to ${MAX_EVENTS_PER_ANSWER}`);
  return limit;
}

function asJson(event: LogEvent) {
  return {
    eventId: String(event.eventId),
    timestamp: event.timestamp,
    functionName: event.functionName,
    logGroupName: `/aws/lambda/${event.functionName}`,
    logStreamName: event.logStreamName,
    ...(event.requestId === undefined ? {} : { requestId: event.requestId }),
    message: event.message,
  };
}

function frame(event: LogEvent): string {
  return `id: ${event.eventId}\nevent: log\ndata: ${JSON.stringify(asJson(event))}\n\n`;
}

/** The events kept, then the live ones, to one follower, within its queue's bound (see the header). */
function stream(
  reply: FastifyReply,
  recent: RecentLogs,
  selection: LogQuery,
  backlog: readonly LogEvent[],
  followers: Set<ServerResponse>,
): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  raw.flushHeaders();
  followers.add(raw);
  // The backlog's events are the rings' own (no copy): only live ones count against the queue's bound.
  let pending: LogEvent[] = [...backlog];
  let next = 0;
  let pendingLiveBytes = 0;
  let dropped = 0;
  let blocked = false;
  const flush = () => {
    blocked = false;
    while (next < pending.length && !blocked) {
      const event = pending[next] as LogEvent;
      next += 1;
      if (!raw.write(frame(event))) blocked = true;
    }
    if (next >= pending.length) {
      pending = [];
      next = 0;
      pendingLiveBytes = 0;
    }
    if (!blocked && pending.length === 0 && dropped > 0) {
      blocked = !raw.write(`event: dropped\ndata: ${JSON.stringify({ dropped })}\n\n`);
      dropped = 0;
    }
  };
  const matches = (event: LogEvent) =>
    (selection.functionName === undefined || event.functionName === selection.functionName) &&
    (selection.since === undefined || event.timestamp >= selection.since) &&
    (selection.filter?.(event.message) ?? true);
  const unfollow = recent.follow((event) => {
    if (!matches(event)) return;
    if (blocked || next < pending.length) {
      const bytes = 2 * event.message.length + 160;
      if (pendingLiveBytes + bytes > FOLLOWER_QUEUE_BYTES) {
        dropped += 1;
        return;
      }
      pendingLiveBytes += bytes;
      pending.push(event);
      return;
    }
    if (dropped > 0) flush();
    if (!raw.write(frame(event))) blocked = true;
  });
  raw.on("drain", flush);
  const heartbeat = setInterval(() => {
    if (!blocked) blocked = !raw.write(": keep-alive\n\n");
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const cleanUp = () => {
    unfollow();
    clearInterval(heartbeat);
    followers.delete(raw);
    pending = [];
  };
  // A response's "close": the client went away, or the stream was ended (the server closing).
  raw.once("close", cleanUp);
  flush();
}
