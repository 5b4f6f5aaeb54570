/**
 * The Runtime API (2018-06-01) of ONE execution environment (LAMBDA_SEMANTICS §1.1). Each
 * environment gets its own server and port, so a runtime can only ever receive its own function's
 * invocations and answer its own request ids, like the RAPID server inside a Lambda sandbox.
 * Response and error bodies are passed on byte for byte, whatever their content type.
 * Plain node:http rather than fastify: five routes on the hot path of every invocation.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { deliveryHeaders, type InvocationDelivery } from "./invocation-delivery.js";
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
    this.server = createServer((request, response) => this.route(request, response));
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

  private route(request: IncomingMessage, response: ServerResponse): void {
    if (this.allowedPeer !== undefined && peerOf(request) !== this.allowedPeer) {
      refuseStranger(request, response);
      return;
    }
    if (this.allowedUid === undefined) {
      this.serve(request, response);
      return;
    }
    // The request waits (paused, unread) until its connection's owner is known.
    void this.isAllowedUid(request.socket).then((allowed) => {
      if (allowed) this.serve(request, response);
      else refuseStranger(request, response);
    });
  }

  private isAllowedUid(socket: Socket): Promise<boolean> {
    let verdict = this.peerVerdicts.get(socket);
    if (!verdict) {
      const uid = this.allowedUid;
      verdict = peerUid(socket).then((owner) => owner !== undefined && owner === uid);
      this.peerVerdicts.set(socket, verdict);
    }
    return verdict;
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? "";
    if (request.method === "GET" && url === `${PREFIX}invocation/next`) {
      this.next(response);
      return;
    }
    if (request.method === "POST" && url === `${PREFIX}init/error`) {
      this.postInitError(request, response);
      return;
    }
    const match = request.method === "POST" ? INVOCATION_ROUTE.exec(url) : null;
    if (match?.[1] && match[2]) {
      this.postInvocation(request, response, decodeURIComponent(match[1]), match[2] as "response" | "error");
      return;
    }
    request.resume();
    reply(response, 404, { errorMessage: `Not found: ${request.method} ${url}`, errorType: "NotFound" });
  }

  private next(response: ServerResponse): void {
    this.waitingNext?.destroy(); // a runtime has one outstanding /next at a time
    this.waitingNext = response;
    response.once("close", () => {
      if (this.waitingNext === response) this.waitingNext = undefined;
    });
    this.initialized = true;
    if (this.pending) this.flush(response);
    else this.listener.nextRequested();
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
      request.resume();
      reply(response, 400, { errorMessage: "Invalid request ID", errorType: "InvalidRequestID" });
      return;
    }
    const mode = header(request, "lambda-runtime-function-response-mode");
    if (kind === "response" && mode !== undefined && mode.toLowerCase() !== "streaming") {
      request.resume();
      reply(response, 400, {
        errorMessage: `Invalid function response mode: ${mode}`,
        errorType: "InvalidFunctionResponseMode",
      });
      return;
    }
    this.current = undefined;
    readLimited(request, (body, size) => {
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
      request.resume();
      reply(response, 403, {
        errorMessage: "Invalid state transition",
        errorType: "InvalidStateTransition",
      });
      return;
    }
    readLimited(request, (body) => {
      reply(response, 202, { status: "OK" });
      this.listener.initError(header(request, "lambda-runtime-function-error-type"), body ?? Buffer.alloc(0));
    });
  }
}

/** Reads a body up to the payload limit; past it, keeps counting (for the error message) but not storing. */
function readLimited(request: IncomingMessage, done: (body: Buffer | undefined, size: number) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  request.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_RUNTIME_PAYLOAD_BYTES) chunks.push(chunk);
  });
  request.once("end", () =>
    done(size <= MAX_RUNTIME_PAYLOAD_BYTES ? Buffer.concat(chunks, size) : undefined, size),
  );
  // An aborted post means the runtime died mid-answer; its exit fails the invocation.
  request.once("error", () => {});
}

function refuseStranger(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  reply(response, 403, { errorMessage: "Not this environment's Runtime API", errorType: "AccessDenied" });
}

/** The caller's IPv4 address, without the `::ffff:` prefix of a dual-stack socket. */
function peerOf(request: IncomingMessage): string | undefined {
  return request.socket.remoteAddress?.replace(/^::ffff:/, "");
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function reply(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}
