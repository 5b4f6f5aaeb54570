/**
 * The routes and the state machine of the Runtime API (2018-06-01) of ONE execution environment
 * (docs/lambda-behaviour.md §1.1), whatever carries the requests: HTTP (runtime-api-server.ts, what
 * AWS_LAMBDA_RUNTIME_API names, used by every runtime) or the private channel of Lambkin's own Node bootstrap
 * in the process sandbox (runtime-api-channel.ts). Both hand the core a RuntimeApiExchange, so limits, error
 * shapes, invalid request ids, a second answer to one request id and malformed bodies behave the same on
 * either, and a runtime may mix them (a `/next` on one takes the place of a `/next` on the other, as a later
 * `/next` does on Lambda).
 *
 * Errors are answered in the Runtime API's shape `{"errorMessage","errorType"}`
 * (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html); nothing a client sends may throw out of
 * here, since that would take the whole of Lambkin down with every call in flight.
 */
import type { InvocationDelivery } from "./invocation-delivery.js";
import { MAX_RUNTIME_PAYLOAD_BYTES } from "./runtime-api-limits.js";

/** What the environment hears from its runtime. */
export interface RuntimeApiListener {
  /** The runtime asked for work. The first call ends the init phase. */
  nextRequested(): void;
  response(requestId: string, body: Buffer, contentType: string | undefined): void;
  error(requestId: string, errorType: string | undefined, body: Buffer): void;
  initError(errorType: string | undefined, body: Buffer): void;
  /** The runtime tried to answer with more than the payload limit; the invoke fails. */
  responseTooLarge(requestId: string, sizeBytes: number): void;
  /** An invocation handed over was just delivered to a `/next` (it may wait for one on Managed Instances). */
  delivered?(requestId: string): void;
}

/** One request and its answer, as a transport presents them. */
export interface RuntimeApiExchange {
  readonly method: string;
  /** The request target as sent (a query is ignored by the router). */
  readonly url: string;
  /** A request header's (first) value; `name` is lower-case. */
  header(name: string): string | undefined;
  /**
   * The body up to the payload limit, or undefined past it (then only its size); `abandoned` instead when
   * the body never completes (the client went away, or what it sent was refused).
   */
  readBody(abandoned: () => void, done: (body: Buffer | undefined, size: number) => void): void;
  /** Calls back once the request is complete, its body (if any) drained unread. */
  whenComplete(then: () => void): void;
  /** The body, if any, is drained unread. */
  discardBody(): void;
  /** The one answer to this request, a JSON body; none once answered or gone. */
  reply(status: number, body: object, headers?: Readonly<Record<string, string>>): void;
  /** The answer to a `/next`: 200, an invocation. */
  deliver(delivery: InvocationDelivery): void;
  /** The client went away, or its transport was closed, before the answer. */
  readonly gone: boolean;
  /** Called once when the exchange ends, answered or not. */
  onEnd(listener: () => void): void;
  /** Ends it unanswered (the environment is going away). */
  abort(): void;
  /** A handler threw: answer 500 (RAPID's InternalServerError) if nothing was written yet, else cut it. */
  failed(): void;
}

const PREFIX = "/2018-06-01/runtime/";
const NEXT_PATH = `${PREFIX}invocation/next`;
const INIT_ERROR_PATH = `${PREFIX}init/error`;
const INVOCATION_ROUTE = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;
/** The body of every 202: one object, so that a transport may keep its encoding (runtime-api-channel.ts). */
export const ACCEPTED: Readonly<{ status: "OK" }> = { status: "OK" };

export class RuntimeApiCore {
  /** The runtime's `/next` calls waiting for an event, oldest first: one, or up to maxConcurrency. */
  private readonly waiting: RuntimeApiExchange[] = [];
  /** Invocations handed over and not yet delivered, oldest first. */
  private readonly pending: InvocationDelivery[] = [];
  /** The request ids the runtime may answer; each leaves the set once answered (RAPID's state machine). */
  private readonly current = new Set<string>();
  private initialized = false;

  /**
   * `maxConcurrency`: how many `/next` calls may wait at once, and invocations run at once — 1 on Lambda (a later
   * `/next` takes the place of an earlier one), up to AWS_LAMBDA_MAX_CONCURRENCY on Lambda Managed Instances,
   * where each runtime worker keeps its own `/next` open
   * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html).
   */
  constructor(
    private readonly listener: RuntimeApiListener,
    private readonly maxConcurrency = 1,
  ) {}

  /** Hands an invocation to the runtime now if a `/next` is waiting, else at its next call. */
  deliver(delivery: InvocationDelivery): void {
    this.pending.push(delivery);
    this.flush();
  }

  /**
   * The invocation timed out (Managed Instances: the environment lives on): not delivered yet, it never will be;
   * delivered, an answer to it is refused as one to an unknown request id.
   */
  withdraw(requestId: string): void {
    const index = this.pending.findIndex((delivery) => delivery.requestId === requestId);
    if (index >= 0) this.pending.splice(index, 1);
    this.current.delete(requestId);
  }

  close(): void {
    for (const exchange of this.waiting.splice(0)) exchange.abort();
  }

  /** The last line of defence: a handler that throws answers 500 (RAPID's InternalServerError) instead. */
  serve(exchange: RuntimeApiExchange): void {
    try {
      this.route(exchange);
    } catch {
      exchange.failed();
    }
  }

  private route(exchange: RuntimeApiExchange): void {
    // Routes match the path alone, as RAPID's router does (Go's URL.Path): a query changes nothing.
    const url = exchange.url;
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    const method = exchange.method;
    if (path === NEXT_PATH) {
      if (method !== "GET") {
        notAllowed(exchange, "GET", method, path);
        return;
      }
      // Only a complete request waits for an event: one whose body goes wrong is refused by the transport,
      // and an event handed to it would be lost.
      exchange.whenComplete(() => this.next(exchange));
      return;
    }
    if (path === INIT_ERROR_PATH) {
      if (method !== "POST") {
        notAllowed(exchange, "POST", method, path);
        return;
      }
      this.postInitError(exchange);
      return;
    }
    const invocation = INVOCATION_ROUTE.exec(path);
    if (!invocation) {
      refuse(exchange, 404, "NotFound", `Not found: ${method} ${printable(path)}`);
      return;
    }
    if (method !== "POST") {
      notAllowed(exchange, "POST", method, path);
      return;
    }
    const requestId = invocation[1] === undefined ? undefined : decodedSegment(invocation[1]);
    if (requestId === undefined) {
      // Not even a string: no request id of Lambkin's (a UUID) could look like it.
      refuse(exchange, 400, "InvalidRequestID", "Invalid request ID");
      return;
    }
    this.postInvocation(exchange, requestId, invocation[2] as "response" | "error");
  }

  private next(exchange: RuntimeApiExchange): void {
    if (exchange.gone) return; // the runtime went away meanwhile
    // A runtime has one outstanding /next at a time (Managed Instances: maxConcurrency): a later one takes the
    // place of the earliest.
    if (this.waiting.length >= this.maxConcurrency) {
      this.waiting.shift()?.reply(403, {
        errorMessage: "Invalid state transition: a later /next took this one's place",
        errorType: "InvalidStateTransition",
      });
    }
    this.waiting.push(exchange);
    exchange.onEnd(() => {
      const index = this.waiting.indexOf(exchange);
      if (index >= 0) this.waiting.splice(index, 1);
    });
    this.initialized = true;
    if (this.pending.length > 0) this.flush();
    // A /next while an invocation is delivered and not answered does not end it: the call waits, as on
    // Lambda, and the invocation still gets its answer or its timeout. Were the environment told the
    // runtime is back, it would be frozen and handed another event in the middle of this one. On Managed
    // Instances other invocations run meanwhile as a matter of course: the environment hears of every /next.
    else if (this.current.size === 0 || this.maxConcurrency > 1) this.listener.nextRequested();
  }

  private flush(): void {
    while (this.pending.length > 0 && this.waiting.length > 0) {
      const delivery = this.pending.shift() as InvocationDelivery;
      const exchange = this.waiting.shift() as RuntimeApiExchange;
      this.current.add(delivery.requestId);
      exchange.deliver(delivery);
      this.listener.delivered?.(delivery.requestId);
    }
  }

  private postInvocation(exchange: RuntimeApiExchange, requestId: string, kind: "response" | "error"): void {
    if (!this.current.has(requestId)) {
      refuse(exchange, 400, "InvalidRequestID", "Invalid request ID");
      return;
    }
    const mode = exchange.header("lambda-runtime-function-response-mode");
    if (kind === "response" && mode !== undefined && mode.toLowerCase() !== "streaming") {
      refuse(exchange, 400, "InvalidFunctionResponseMode", `Invalid function response mode: ${mode}`);
      return;
    }
    this.current.delete(requestId);
    const abandoned = () => {
      // A body cut short or garbled is no answer: the invocation is still the runtime's to answer (or
      // to time out), and a /next meanwhile must not end it.
      const idle = this.current.size === 0 && this.pending.length === 0;
      if (idle || this.maxConcurrency > 1) this.current.add(requestId);
    };
    exchange.readBody(abandoned, (body, size) => {
      if (!body) {
        this.listener.responseTooLarge(requestId, size);
        exchange.reply(413, {
          errorMessage: `Exceeded maximum allowed payload size (${MAX_RUNTIME_PAYLOAD_BYTES} bytes).`,
          errorType: "RequestEntityTooLarge",
        });
        return;
      }
      exchange.reply(202, ACCEPTED);
      if (kind === "response") this.listener.response(requestId, body, exchange.header("content-type"));
      else this.listener.error(requestId, exchange.header("lambda-runtime-function-error-type"), body);
    });
  }

  private postInitError(exchange: RuntimeApiExchange): void {
    if (this.initialized) {
      refuse(exchange, 403, "InvalidStateTransition", "Invalid state transition");
      return;
    }
    exchange.readBody(
      () => {},
      (body) => {
        exchange.reply(202, ACCEPTED);
        this.listener.initError(
          exchange.header("lambda-runtime-function-error-type"),
          body ?? Buffer.alloc(0),
        );
      },
    );
  }
}

function notAllowed(exchange: RuntimeApiExchange, allowed: string, method: string, path: string): void {
  refuse(exchange, 405, "MethodNotAllowed", `Method not allowed: ${method} ${printable(path)}`, {
    Allow: allowed,
  });
}

/** An error answer in the Runtime API's shape; the request's body, if any, is drained unread. */
function refuse(
  exchange: RuntimeApiExchange,
  status: number,
  errorType: string,
  errorMessage: string,
  headers?: Record<string, string>,
): void {
  exchange.discardBody();
  exchange.reply(status, { errorMessage, errorType }, headers);
}

/** A path segment percent-decoded, or undefined where its encoding is malformed (`%E0%A4%A`, `%ZZ`). */
function decodedSegment(segment: string): string | undefined {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A path as a message may quote it: bounded, control characters escaped. */
function printable(path: string): string {
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  return shown.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
