/**
 * The Runtime API (2018-06-01) of ONE execution environment (docs/lambda-behaviour.md §1.1). Each
 * environment gets its own server and port, so a runtime can only ever receive its own function's
 * invocations and answer its own request ids, like the RAPID server inside a Lambda sandbox.
 * Response and error bodies are passed on byte for byte, whatever their content type.
 * Plain node:http rather than fastify: five routes on the hot path of every invocation. The routes and the
 * state machine are runtime-api-core.ts, shared with the private channel of Lambkin's own Node bootstrap in the
 * process sandbox (runtime-api-channel.ts, attached with `attachChannel`): this file is the HTTP transport.
 *
 * Hostile input is normal input: a function (or any local process) may send anything to this port.
 * Malformed paths, ids, methods, headers and bodies get a 4xx in the Runtime API's error shape
 * `{"errorMessage","errorType"}`; nothing a client sends may throw out of a handler or leave an
 * 'error' unhandled, since either would take the whole of Lambkin down with every call in flight.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { deliveryHeaders, type InvocationDelivery } from "./invocation-delivery.js";
import { replyToMalformedRequest } from "./malformed-request-reply.js";
import { peerUid } from "./peer-credentials.js";
import { attachRuntimeApiChannel } from "./runtime-api-channel.js";
import { RuntimeApiCore, type RuntimeApiExchange, type RuntimeApiListener } from "./runtime-api-core.js";
import { MAX_RUNTIME_PAYLOAD_BYTES } from "./runtime-api-limits.js";

export type { RuntimeApiListener } from "./runtime-api-core.js";

export class RuntimeApiServer {
  private readonly server: Server;
  private readonly core: RuntimeApiCore;
  private readonly channels = new Set<Duplex>();
  private allowedPeer: string | undefined;
  private allowedUid: number | undefined;
  /** Whether a connection comes from the allowed uid: looked up once per connection (keep-alive). */
  private readonly peerVerdicts = new WeakMap<Socket, Promise<boolean>>();

  /** `maxConcurrency`: invocations the runtime may run at once (runtime-api-core.ts; 1 but on Managed Instances). */
  constructor(listener: RuntimeApiListener, maxConcurrency = 1) {
    this.core = new RuntimeApiCore(listener, maxConcurrency);
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

  /**
   * Serves the same Runtime API over `channel` too: the private channel of Lambkin's own Node bootstrap
   * (runtime-api-channel.ts). Only the environment holds its other end, so it needs no peer check.
   */
  attachChannel(channel: Duplex): void {
    this.channels.add(channel);
    channel.once("close", () => this.channels.delete(channel));
    attachRuntimeApiChannel(channel, (exchange) => this.core.serve(exchange));
  }

  /** Hands an invocation to the runtime now if it is waiting in /next, else at its next call. */
  deliver(delivery: InvocationDelivery): void {
    this.core.deliver(delivery);
  }

  /** A timed-out invocation on Managed Instances: never delivered if it was not yet, its answer refused if it was. */
  withdraw(requestId: string): void {
    this.core.withdraw(requestId);
  }

  close(): void {
    this.core.close();
    for (const channel of this.channels) channel.destroy();
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
      this.core.serve(new HttpExchange(request, response));
      return;
    }
    void this.isAllowedUid(request.socket).then((allowed) => {
      if (allowed) this.core.serve(new HttpExchange(request, response));
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
}

/** One HTTP request and its response, as runtime-api-core.ts sees them. */
class HttpExchange implements RuntimeApiExchange {
  constructor(
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
  ) {}

  get method(): string {
    return this.request.method ?? "";
  }

  get url(): string {
    return this.request.url ?? "";
  }

  get gone(): boolean {
    return this.response.destroyed;
  }

  header(name: string): string | undefined {
    const value = this.request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  readBody(abandoned: () => void, done: (body: Buffer | undefined, size: number) => void): void {
    readLimited(this.request, abandoned, done);
  }

  whenComplete(then: () => void): void {
    this.request.resume();
    this.request.once("end", then);
  }

  discardBody(): void {
    this.request.resume();
  }

  reply(status: number, body: object, headers?: Readonly<Record<string, string>>): void {
    reply(this.response, status, body, headers);
  }

  deliver(delivery: InvocationDelivery): void {
    this.response.writeHead(200, deliveryHeaders(delivery));
    this.response.end(delivery.payload);
  }

  onEnd(listener: () => void): void {
    this.response.once("close", listener);
  }

  abort(): void {
    this.response.destroy();
  }

  failed(): void {
    this.request.resume();
    if (this.response.headersSent) this.response.destroy();
    else
      reply(this.response, 500, { errorMessage: "Internal Server Error", errorType: "InternalServerError" });
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

function reply(
  response: ServerResponse,
  status: number,
  body: object,
  headers?: Readonly<Record<string, string>>,
): void {
  // One answer per request, and none to a client already gone (writeHead twice would throw).
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}
