/**
 * The recent invocation logs of this process's functions, in memory, for `lambkin logs` (GET /_lambkin/logs): what
 * CloudWatch Logs would hold for them — every line of the runtime's output and the platform's START/END/REPORT,
 * each an event of the function's log group (`/aws/lambda/<name>`) in its environment's log stream
 * (`2026/12/02/[$LATEST]<environment id>`) — and the live feed of new ones for followers.
 *
 * Bounded, so that a function printing a gigabyte costs a few megabytes: each function keeps a ring of at most
 * `maxEventsPerFunction` events AND `maxBytesPerFunction` bytes (oldest dropped first), and all of them together at
 * most `maxBytesTotal` (the largest ring gives up its oldest). One event is at most one CloudWatch event, 256 KB
 * (runtime/sandbox/line-splitter.ts cuts longer lines). Bytes are counted as a JavaScript string holds them (two per
 * UTF-16 unit, plus a fixed overhead per event), an upper bound of what the ring really takes.
 */
import { ConfigError } from "../errors/config-error.js";
import type { FunctionLogSink } from "./function-log-sink.js";

export interface LogEvent {
  /** Increasing over this process's life: the order events were written in, across functions. */
  readonly eventId: number;
  /** When Lambkin read the line, ms since the epoch (CloudWatch's `timestamp`). */
  readonly timestamp: number;
  readonly functionName: string;
  readonly logStreamName: string;
  readonly requestId?: string;
  readonly message: string;
}

export interface RecentLogsLimits {
  readonly maxEventsPerFunction: number;
  readonly maxBytesPerFunction: number;
  readonly maxBytesTotal: number;
}

export const DEFAULT_RECENT_LOGS_LIMITS: RecentLogsLimits = {
  maxEventsPerFunction: 10_000,
  maxBytesPerFunction: 8 * 1024 * 1024,
  maxBytesTotal: 64 * 1024 * 1024,
};

/** What a line without an environment (one that could not start) is filed under. */
const NO_ENVIRONMENT_STREAM = "[$LATEST]no-environment";

/** Per event, beyond its message: the object, its fields and its place in the ring. */
const EVENT_OVERHEAD_BYTES = 160;

export interface LogQuery {
  readonly functionName?: string;
  /** Only events at or after this time (ms since the epoch). */
  readonly since?: number;
  readonly filter?: (message: string) => boolean;
}

export type LogListener = (event: LogEvent) => void;

export interface RecentLogsStats {
  readonly events: number;
  readonly bytes: number;
  /** Events dropped from the rings to keep them within their bounds, since start. */
  readonly evicted: number;
  readonly followers: number;
}

class Ring {
  private events: LogEvent[] = [];
  private head = 0;
  bytes = 0;

  get size(): number {
    return this.events.length - this.head;
  }

  push(event: LogEvent): void {
    this.events.push(event);
    this.bytes += sizeOf(event);
  }

  oldest(): LogEvent | undefined {
    return this.events[this.head];
  }

  shift(): void {
    const event = this.events[this.head];
    if (event === undefined) return;
    this.bytes -= sizeOf(event);
    this.head += 1;
    // Compacted once half of it is gone: amortised O(1), and the dropped events become garbage.
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  *from(since: number): Generator<LogEvent> {
    for (let index = this.head; index < this.events.length; index += 1) {
      const event = this.events[index];
      if (event !== undefined && event.timestamp >= since) yield event;
    }
  }
}

function sizeOf(event: LogEvent): number {
  return EVENT_OVERHEAD_BYTES + 2 * (event.message.length + event.logStreamName.length);
}

export class RecentLogs {
  private readonly rings = new Map<string, Ring>();
  private readonly listeners = new Set<LogListener>();
  private nextEventId = 1;
  private totalBytes = 0;
  private evicted = 0;

  constructor(
    private readonly limits: RecentLogsLimits = DEFAULT_RECENT_LOGS_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A sink that files every function line here (pair it with the logger's through teeFunctionLogSink). */
  sink(): FunctionLogSink {
    return {
      line: (functionName, requestId, text, _stream, logStream) =>
        this.append(functionName, logStream ?? NO_ENVIRONMENT_STREAM, text, requestId),
    };
  }

  /** @param timestamp when the line was read, if elsewhere (a worker's, forwarded); default now. */
  append(
    functionName: string,
    logStreamName: string,
    message: string,
    requestId?: string,
    timestamp = this.now(),
  ): LogEvent {
    const event: LogEvent = {
      eventId: this.nextEventId,
      timestamp,
      functionName,
      logStreamName,
      ...(requestId === undefined ? {} : { requestId }),
      message,
    };
    this.nextEventId += 1;
    let ring = this.rings.get(functionName);
    if (ring === undefined) {
      ring = new Ring();
      this.rings.set(functionName, ring);
    }
    ring.push(event);
    this.totalBytes += sizeOf(event);
    while (
      ring.size > 1 &&
      (ring.size > this.limits.maxEventsPerFunction || ring.bytes > this.limits.maxBytesPerFunction)
    ) {
      this.evictOldest(ring);
    }
    while (this.totalBytes > this.limits.maxBytesTotal) {
      const largest = this.largestRing();
      if (largest === undefined || largest.size <= 1) break;
      this.evictOldest(largest);
    }
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** The events kept that match, oldest first (across functions, in the order they were written). */
  query(query: LogQuery = {}): LogEvent[] {
    const since = query.since ?? Number.NEGATIVE_INFINITY;
    const filter = query.filter ?? (() => true);
    const rings =
      query.functionName === undefined
        ? [...this.rings.values()]
        : [this.rings.get(query.functionName)].filter((ring) => ring !== undefined);
    const found: LogEvent[] = [];
    for (const ring of rings) {
      for (const event of ring.from(since)) if (filter(event.message)) found.push(event);
    }
    if (rings.length > 1) found.sort((a, b) => a.eventId - b.eventId);
    return found;
  }

  /** Calls `listener` with every new event until the returned function is called. */
  follow(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  stats(): RecentLogsStats {
    let events = 0;
    for (const ring of this.rings.values()) events += ring.size;
    return { events, bytes: this.totalBytes, evicted: this.evicted, followers: this.listeners.size };
  }

  private evictOldest(ring: Ring): void {
    const oldest = ring.oldest();
    if (oldest === undefined) return;
    this.totalBytes -= sizeOf(oldest);
    ring.shift();
    this.evicted += 1;
  }

  private largestRing(): Ring | undefined {
    let largest: Ring | undefined;
    for (const ring of this.rings.values())
      if (largest === undefined || ring.bytes > largest.bytes) largest = ring;
    return largest;
  }
}

/** LAMBKIN_LOG_BUFFER_EVENTS / LAMBKIN_LOG_BUFFER_BYTES (per function); what is unset keeps its default. */
export function recentLogsLimitsFromEnvironment(env: NodeJS.ProcessEnv = process.env): RecentLogsLimits {
  const events = positive(env.LAMBKIN_LOG_BUFFER_EVENTS, "LAMBKIN_LOG_BUFFER_EVENTS");
  const bytes = positive(env.LAMBKIN_LOG_BUFFER_BYTES, "LAMBKIN_LOG_BUFFER_BYTES");
  const perFunction = bytes ?? DEFAULT_RECENT_LOGS_LIMITS.maxBytesPerFunction;
  return {
    maxEventsPerFunction: events ?? DEFAULT_RECENT_LOGS_LIMITS.maxEventsPerFunction,
    maxBytesPerFunction: perFunction,
    maxBytesTotal: Math.max(DEFAULT_RECENT_LOGS_LIMITS.maxBytesTotal, perFunction),
  };
}

function positive(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0)
    throw new ConfigError(`${name} must be a positive integer (got "${value.slice(0, 50)}")`);
  return number;
}
