/**
 * The Runtime API (2018-06-01) of ONE execution environment (docs/lambda-behaviour.md §1.1). Each
 * environment gets its own server and port, so a runtime can only ever receive its own function's
 * invocations and answer its own request ids, like the RAPID server inside a Lambda sandbox.
 * Response and error bodies are passed on byte for byte, whatever their content type.
 * Plain node:http rather than fastify: five routes on the hot path of every invocation.
 *
 * Hostile input is normal input: a function (or any local process) may send anything to this port.
 * Malformed paths, ids, methods, headers and bodies get a 4xx in the Runtime API's error shape
 * `{"errorMessage","errorType"}`; nothing a client sends may throw out of a handler or leave an
 * 'error' unhandled, since either would take the whole of Lambkin down with every call in flight.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { deliveryHeaders, type InvocationDelivery } from "./invocation-delivery.js";
import { replyToMalformedRequest } from "./malformed-request-reply.js";
import { peerUid } from "./peer-credentials.js";
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
}

const PREFIX = "/2018-06-01/runtime/";
const NEXT_PATH = `${PREFIX}invocation/next`;
const INIT_ERROR_PATH = `${PREFIX}init/error`;
const INVOCATION_ROUTE = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

export class RuntimeApiServer {
  private readonly server: Server;
  private waitingNext: ServerResponse | undefined;
  private pending: InvocationDelivery | undefined;
  /** The request id the runtime may answer; undefined once answered (RAPID's state machine). */
  private current: string | undefined;
  private initialized = false;
  private allowedPeer: string | undefined;
  private allowedUid: number | undefined;
  /** Whether a connection comes from the allowed uid: looked up once per connection (keep-alive). */
  private readonly peerVerdicts = new WeakMap<Socket, Promise<boolean>>();

  constructor(private readonly listener: RuntimeApiListener) {
    this.server = createServer((request, response) => this.serve(request, response));
    this.server.on("clientError", replyToMalformedRequest);
    // After listen, a server only reports failed accepts (EMFILE under a flood of connections): they
    // are transient, and without a listener they would be thrown.
    this.server.on("error", () => {});
    this.server.keepAliveTimeout = 0; // a frozen runtime may come back much later on the same socket
    this.server.requestTimeout = 0; // /next is a long poll with no timeout (§1.1)
  }

  async listen(host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** From now on only requests from `peerAddress` are served: the environment's own runtime. */
  restrictTo(peerAddress: string): void {
    this.allowedPeer = peerAddress;
  }

  /**
   * From now on only connections whose client socket belongs to `uid` are served: the environment's
   * own runtime, where the sandbox gives each environment a user of its own. Call it before the
   * runtime starts (connections made earlier are checked too, at their next request).
   */
  restrictToUid(uid: number): void {
    this.allowedUid = uid;
  }

  /** Hands an invocation to the runtime now if it is waiting in /next, else at its next call. */
  deliver(delivery: InvocationDelivery): void {
    this.pending = delivery;
    if (this.waitingNext) this.flush(this.waitingNext);
  }

  close(): void {
    this.waitingNext?.destroy();
    this.server.closeAllConnections();
    this.server.close();
  }

  /**
   * Who may call: in docker only the container's address, in the isolated process sandbox only
   * sockets owned by the environment's uid (looked up once per connection; the request waits, paused
   * and unread, until its connection's owner is known). Anyone else gets 403.
   */
  private serve(request: IncomingMessage, response: ServerResponse): void {
    request.once("error", () => {}); // a client that goes away mid-request is no error of Lambkin's
    if (this.allowedPeer !== undefined && peerOf(request) !== this.allowedPeer) {
      refuse(request, response, 403, "AccessDenied", "Not this environment's Runtime API");
      return;
    }
    if (this.allowedUid === undefined) {
      this.routeSafely(request, response);
      return;
    }
    void this.isAllowedUid(request.socket).then((allowed) => {
      if (allowed) this.routeSafely(request, response);
      else refuse(request, response, 403, "AccessDenied", "Not this environment's Runtime API");
    });
  }

  private isAllowedUid(socket: Socket): Promise<boolean> {
    let verdict = this.peerVerdicts.get(socket);
    if (!verdict) {
      const uid = this.allowedUid;
      verdict = peerUid(socket).then(
        (owner) => owner !== undefined && owner === uid,
        () => false,
      );
      this.peerVerdicts.set(socket, verdict);
    }
    return verdict;
  }

  /** The last line of defence: a handler that throws answers 500 (RAPID's InternalServerError) instead. */
  private routeSafely(request: IncomingMessage, response: ServerResponse): void {
    try {
      this.route(request, response);
    } catch {
      request.resume();
      if (response.headersSent) response.destroy();
      else reply(response, 500, { errorMessage: "Internal Server Error", errorType: "InternalServerError" });
    }
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    // Routes match the path alone, as RAPID's router does (Go's URL.Path): a query changes nothing.
    const path = (request.url ?? "").split("?")[0] ?? "";
    const method = request.method ?? "";
    const invocation = INVOCATION_ROUTE.exec(path);
    const expected = path === NEXT_PATH ? "GET" : path === INIT_ERROR_PATH || invocation ? "POST" : undefined;
    if (expected === undefined) {
      refuse(request, response, 404, "NotFound", `Not found: ${method} ${printable(path)}`);
      return;
    }
    if (method !== expected) {
      response.setHeader("Allow", expected);
      refuse(request, response, 405, "MethodNotAllowed", `Method not allowed: ${method} ${printable(path)}`);
      return;
    }
    if (path === NEXT_PATH) {
      // Only a complete request waits for an event: one whose body goes wrong is refused by the parser
      // (clientError), and an event handed to it would be lost.
      request.resume();
      request.once("end", () => this.next(response));
      return;
    }
    if (path === INIT_ERROR_PATH) {
      this.postInitError(request, response);
      return;
    }
    const requestId = invocation?.[1] === undefined ? undefined : decodedSegment(invocation[1]);
    if (requestId === undefined) {
      // Not even a string: no request id of Lambkin's (a UUID) could look like it.
      refuse(request, response, 400, "InvalidRequestID", "Invalid request ID");
      return;
    }
    this.postInvocation(request, response, requestId, invocation?.[2] as "response" | "error");
  }

  private next(response: ServerResponse): void {
    if (response.destroyed) return; // the runtime went away meanwhile
    // A runtime has one outstanding /next at a time: a later one takes the place of the earlier.
    if (this.waitingNext) {
      reply(this.waitingNext, 403, {
        errorMessage: "Invalid state transition: a later /next took this one's place",
        errorType: "InvalidStateTransition",
      });
    }
    this.waitingNext = response;
    response.once("close", () => {
      if (this.waitingNext === response) this.waitingNext = undefined;
    });
    this.initialized = true;
    if (this.pending) this.flush(response);
    // A /next while an invocation is delivered and not answered does not end it: the call waits, as on
    // Lambda, and the invocation still gets its answer or its timeout. Were the environment told the
    // runtime is back, it would be frozen and handed another event in the middle of this one.
    else if (this.current === undefined) this.listener.nextRequested();
  }

  private flush(response: ServerResponse): void {
    const delivery = this.pending;
    if (!delivery) return;
    this.pending = undefined;
    this.waitingNext = undefined;
    this.current = delivery.requestId;
    response.writeHead(200, deliveryHeaders(delivery));
    response.end(delivery.payload);
  }

  private postInvocation(
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    kind: "response" | "error",
  ): void {
    if (requestId !== this.current) {
      refuse(request, response, 400, "InvalidRequestID", "Invalid request ID");
      return;
    }
    const mode = header(request, "lambda-runtime-function-response-mode");
    if (kind === "response" && mode !== undefined && mode.toLowerCase() !== "streaming") {
      refuse(
        request,
        response,
        400,
        "InvalidFunctionResponseMode",
        `Invalid function response mode: ${mode}`,
      );
      return;
    }
    this.current = undefined;
    const abandoned = () => {
      // A body cut short or garbled is no answer: the invocation is still the runtime's to answer (or
      // to time out), and a /next meanwhile must not end it.
      if (this.current === undefined && this.pending === undefined) this.current = requestId;
    };
    readLimited(request, abandoned, (body, size) => {
      if (!body) {
        this.listener.responseTooLarge(requestId, size);
        reply(response, 413, {
          errorMessage: `Exceeded maximum allowed payload size (${MAX_RUNTIME_PAYLOAD_BYTES} bytes).`,
          errorType: "RequestEntityTooLarge",
        });
        return;
      }
      reply(response, 202, { status: "OK" });
      if (kind === "response") this.listener.response(requestId, body, header(request, "content-type"));
      else this.listener.error(requestId, header(request, "lambda-runtime-function-error-type"), body);
    });
  }

  private postInitError(request: IncomingMessage, response: ServerResponse): void {
    if (this.initialized) {
      refuse(request, response, 403, "InvalidStateTransition", "Invalid state transition");
      return;
    }
    readLimited(
      request,
      () => {},
      (body) => {
        reply(response, 202, { status: "OK" });
        this.listener.initError(
          header(request, "lambda-runtime-function-error-type"),
          body ?? Buffer.alloc(0),
        );
      },
    );
  }
}

/**
 * Reads a body up to the payload limit; past it, keeps counting (for the error message) but not storing.
 * A body that never completes (the client went away, the parser refused it) calls `abandoned` instead.
 */
function readLimited(
  request: IncomingMessage,
  abandoned: () => void,
  done: (body: Buffer | undefined, size: number) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  request.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_RUNTIME_PAYLOAD_BYTES) chunks.push(chunk);
  });
  let ended = false;
  request.once("end", () => {
    ended = true;
    done(size <= MAX_RUNTIME_PAYLOAD_BYTES ? Buffer.concat(chunks, size) : undefined, size);
  });
  request.once("close", () => {
    if (!ended) abandoned();
  });
  // An aborted post means the runtime died mid-answer; its exit fails the invocation. (The 'error'
  // itself is taken care of in serve().)
}

/** The caller's IPv4 address, without the `::ffff:` prefix of a dual-stack socket. */
function peerOf(request: IncomingMessage): string | undefined {
  return request.socket.remoteAddress?.replace(/^::ffff:/, "");
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A path segment percent-decoded, or undefined where its encoding is malformed (`%E0%A4%A`, `%ZZ`). */
function decodedSegment(segment: string): string | undefined {
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

/** An error answer in the Runtime API's shape; the request's body, if any, is drained unread. */
function refuse(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  errorType: string,
  errorMessage: string,
): void {
  request.resume();
  reply(response, status, { errorMessage, errorType });
}

function reply(response: ServerResponse, status: number, body: object): void {
  // One answer per request, and none to a client already gone (writeHead twice would throw).
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}
