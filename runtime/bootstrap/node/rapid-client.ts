/**
 * RAPIDClient: every HTTP exchange with the Runtime API 2018-06-01 (docs/lambda-behaviour.md §1.1), the only
 * door between this environment and Lambkin. Same calls and bodies as the RIC's src/RAPIDClient.js and
 * its native client: `GET /next` (no client timeout — it may wait for as long as the environment stays
 * idle), `POST /{id}/response`, `POST /{id}/error`, `POST /init/error` with
 * `Lambda-Runtime-Function-Error-Type`; bodies are JSON bytes posted as `application/json`.
 *
 * Keep-alive connections through keep-alive-http-client.ts (a lean client: this path is most of an
 * environment's CPU): an idle connection is unref'd, so it never keeps the event loop alive — that is what
 * lets 'beforeExit' fire for callbackWaitsForEmptyEventLoop. Up to two sockets (the RIC's JS client has one,
 * but its native client posts on its own connection): a crash report posted while `GET /next` is
 * long-polling must not queue behind it forever. In the usual sequence one socket serves all.
 *
 * Failures: the RIC's native client ignores non-2xx answers to /response and /error; we log them and go
 * on (413 payload too large, 400 unknown request id), except a 5xx, after which the Runtime API says the
 * runtime must exit. A connection error means Lambkin is gone: log and exit, an environment must never
 * outlive it.
 */
import type { IncomingHttpHeaders } from "node:http";
import { JSONStringifyError, type RapidError, toRapidResponse } from "./errors.js";
import { type HttpAnswer, type HttpExchange, KeepAliveHttpClient } from "./keep-alive-http-client.js";

const API = "/2018-06-01/runtime";
const ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type";
/** Exit status when the Runtime API is unreachable or answers /next, /response or /error with a 5xx. */
export const EXIT_RUNTIME_API_FAILURE = 1;

export interface Invocation {
  bodyJson: string;
  headers: IncomingHttpHeaders;
}

/** Runtime-side diagnostics go to stderr in aws-lambda-cpp's format (the RIC's native client logs so). */
function logRuntimeError(message: string): void {
  process.stderr.write(`[ERROR] [${Date.now()}] LAMBDA_RUNTIME ${message}\n`);
}

function exitRuntime(message: string): never {
  logRuntimeError(`${message}. Exiting.`);
  process.exit(EXIT_RUNTIME_API_FAILURE);
}

/** What carries the exchanges: HTTP over TCP, or Lambkin's private channel (channel-client.ts). */
export interface RuntimeApiTransport {
  send(exchange: HttpExchange): void;
  /**
   * An answer and the next `/next` in one write, when the transport can (the channel, channel-client.ts); that
   * `/next` is served only if the answer is accepted (202), else it gets no answer and is `forget`-ten.
   */
  sendAnswerAndNext?(answer: HttpExchange, next: HttpExchange): void;
  forget?(exchange: HttpExchange): void;
}

export class RapidClient {
  private readonly http: RuntimeApiTransport;
  /** The answer to a `GET /next` already sent behind an invocation's answer (see postResult). */
  private prefetchedNext: Promise<Invocation> | undefined;

  /**
   * `hostPort` is AWS_LAMBDA_RUNTIME_API (`host:port`, `[v6]:port` accepted); `transport`, when given, carries
   * the same requests instead (the process sandbox's channel); `pipelineNext` false sends each `/next` only once
   * the answer before it is acknowledged, as the RIC does (the benchmarks' baseline; see postResult); `sockets`:
   * the HTTP connections it may open (a worker thread on Managed Instances keeps a `/next` open per invocation it
   * runs at once, and needs one more for its answers).
   */
  constructor(
    hostPort: string,
    private readonly nodejs24Mode = false,
    transport?: RuntimeApiTransport,
    private readonly pipelineNext = true,
    sockets = 2,
  ) {
    if (transport) {
      this.http = transport;
      return;
    }
    const colon = hostPort.lastIndexOf(":");
    const hostname = hostPort.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
    this.http = new KeepAliveHttpClient(hostname, Number.parseInt(hostPort.slice(colon + 1), 10), sockets);
  }

  nextInvocation(): Promise<Invocation> {
    const prefetched = this.prefetchedNext;
    if (prefetched) {
      this.prefetchedNext = undefined;
      return prefetched;
    }
    let next: HttpExchange | undefined;
    const invocation = new Promise<Invocation>((resolve) => {
      next = this.nextExchange(resolve);
    });
    this.http.send(next as HttpExchange);
    return invocation;
  }

  private nextExchange(resolve: (invocation: Invocation) => void): HttpExchange {
    return this.exchange("GET", `${API}/invocation/next`, undefined, {}, (answer) => {
      if (!answer.complete) exitRuntime(`GET ${API}/invocation/next failed: response aborted`);
      if (answer.status !== 200)
        exitRuntime(`Failed to get next invocation. Http Response code: ${answer.status}`);
      resolve({ bodyJson: answer.body.toString("utf8"), headers: answer.headers });
    });
  }

  /**
   * Serializes as the RIC does — `undefined` → `null` — and throws synchronously when the result cannot
   * be stringified, so that the caller turns it into an invocation error.
   */
  postInvocationResponse(response: unknown, id: string, callback: () => void, nextFollows = false): void {
    const body = this.serialize(response);
    const path = `${API}/invocation/${encodeURIComponent(id)}/response`;
    this.postResult(path, body, {}, "success", callback, nextFollows);
  }

  /** A streamed (awslambda.streamifyResponse) response, buffered: see response-stream.ts. */
  postBufferedStream(body: Buffer, contentType: string, id: string, callback: () => void): void {
    const path = `${API}/invocation/${encodeURIComponent(id)}/response`;
    this.postResult(path, body, { "Content-Type": contentType }, "success", callback, false);
  }

  postInvocationError(error: unknown, id: string, callback: () => void, nextFollows = false): void {
    this.postErrorBody(toRapidResponse(error), id, callback, nextFollows);
  }

  /** An error already in the Runtime API's shape (a crashed worker thread's, managed-runtime.ts). */
  postErrorBody(response: RapidError, id: string, callback: () => void, nextFollows = false): void {
    const path = `${API}/invocation/${encodeURIComponent(id)}/error`;
    const headers = errorTypeHeader(response.errorType);
    this.postResult(path, this.serialize(response), headers, "failure", callback, nextFollows);
  }

  /** The RIC posts init errors and then exits whatever the answer; so does `callback`. */
  postInitError(error: unknown, callback: () => void): void {
    const response = toRapidResponse(error);
    const headers = errorTypeHeader(response.errorType);
    this.send("POST", `${API}/init/error`, this.serialize(response), headers, () => callback());
  }

  private serialize(body: unknown): Buffer {
    let json: string | undefined;
    try {
      json = JSON.stringify(body === undefined ? null : body);
    } catch {
      throw this.nodejs24Mode ? new JSONStringifyError() : new Error("Unable to stringify response body");
    }
    // JSON.stringify gives undefined for a function or a symbol; the RIC's native client then refuses
    // the non-string body with this TypeError, which becomes the invocation's error.
    if (json === undefined) throw new TypeError("Wrong arguments");
    return Buffer.from(json, "utf8");
  }

  /**
   * `nextFollows`: the caller's `callback` starts the next iteration at once, so its `GET /next` is sent with
   * the answer, in the same write, when the transport can (the channel; once the event loop has come round, see
   * channel-client.ts): Lambkin then reads both in one wake-up, and answers the 202 and the next event in one
   * too (runtime-api-channel.ts). The answers come back in order and the callback still runs on the 202; a
   * refused answer (413, 400, a 5xx) makes Lambkin drop that `/next`, so the refusal is logged, or the runtime
   * ends, before any `/next` of its, exactly as when the `/next` followed the 202; and the
   * `/next` keeps the process alive exactly as it would have one setImmediate later. Not for a callback that
   * waits for the event loop to drain (a streamed answer's): a `/next` in flight would keep it from draining.
   */
  private postResult(
    path: string,
    body: Buffer,
    headers: Record<string, string>,
    kind: "success" | "failure",
    callback: () => void,
    nextFollows: boolean,
  ): void {
    let next: HttpExchange | undefined;
    const post = this.exchange("POST", path, body, headers, ({ status, body: answer }) => {
      if (status >= 200 && status < 300) return callback();
      if (next) {
        // Refused: Lambkin dropped the /next sent along (channel-frames.ts NEXT_IF_ACCEPTED_HEADER). The next
        // iteration sends its own, after the refusal is logged — the order of the RIC, which waits for the 202.
        this.http.forget?.(next);
        this.prefetchedNext = undefined;
      }
      const message = `Failed to post handler ${kind} response. Http response code: ${status}. ${answer}`;
      if (status >= 500) exitRuntime(message);
      logRuntimeError(message);
      callback();
    });
    if (!nextFollows || !this.pipelineNext || !this.http.sendAnswerAndNext || this.prefetchedNext) {
      this.http.send(post);
      return;
    }
    this.prefetchedNext = new Promise<Invocation>((resolve) => {
      next = this.nextExchange(resolve);
    });
    this.http.sendAnswerAndNext(post, next as HttpExchange);
  }

  private send(
    method: "GET" | "POST",
    path: string,
    body: Buffer | undefined,
    headers: Record<string, string>,
    onAnswer: (answer: HttpAnswer) => void,
  ): void {
    this.http.send(this.exchange(method, path, body, headers, onAnswer));
  }

  private exchange(
    method: "GET" | "POST",
    path: string,
    body: Buffer | undefined,
    headers: Record<string, string>,
    onAnswer: (answer: HttpAnswer) => void,
    retry = true,
  ): HttpExchange {
    const allHeaders = body
      ? { "Content-Type": "application/json", ...headers, "Content-Length": String(body.length) }
      : headers;
    return {
      method,
      path,
      headers: Object.entries(allHeaders),
      body,
      done: (outcome) => {
        if ("status" in outcome) return onAnswer(outcome);
        // A kept-alive connection the server closed while idle: retry once on a fresh one.
        const code = (outcome.error as NodeJS.ErrnoException).code;
        if (retry && outcome.reused && (code === "ECONNRESET" || code === "EPIPE" || code === undefined)) {
          this.http.send(this.exchange(method, path, body, headers, onAnswer, false));
          return;
        }
        exitRuntime(`Runtime API ${method} ${path} failed: ${outcome.error}`);
      },
    };
  }
}

/** Header values must be printable; an odd error name simply goes without the (optional) header. */
function errorTypeHeader(errorType: string): Record<string, string> {
  return /^[\x20-\x7E]+$/.test(errorType ?? "") ? { [ERROR_TYPE_HEADER]: errorType } : {};
}
