/**
 * KeepAliveHttpClient: the HTTP/1.1 client of the Runtime API path, written for this one job rather than
 * taken from `node:http`. Every invocation costs a `GET /next` answer and a `POST /response`; through
 * `node:http` (ClientRequest, Agent, IncomingMessage, three streams and a dozen listeners per request) that is
 * most of an environment's CPU when many environments share a few cores, each keeping its own V8 copy of that
 * code warm on a fraction of the traffic. AWS's own Node RIC ships a native client for the same reason. This one
 * writes a request with one `writev` and parses the answer with a few `indexOf`s.
 *
 * What it keeps of `node:http`'s behaviour, because the runtime depends on it:
 * - the same request bytes: request line, `Host`, the caller's headers in order, `Connection: keep-alive`;
 * - up to `maxSockets` kept-alive connections (requests queue beyond that), each unref'd while idle so that
 *   an idle connection never keeps the event loop alive ('beforeExit' must fire for
 *   callbackWaitsForEmptyEventLoop) and ref'd while a request is in flight (a long-polling `GET /next`
 *   keeps the process alive);
 * - no timeout: `GET /next` waits for as long as the environment stays idle;
 * - framing by Content-Length, chunked transfer coding, or the end of the connection; `Connection: close`
 *   honoured; 1xx answers skipped; header values read as latin1 (one char per byte), as Node reads them;
 * - a kept-alive connection the server closed while idle fails the next request with `reused: true`, so the
 *   caller may retry once on a fresh one (what `req.reusedSocket` tells a `node:http` caller).
 */
import { connect, type Socket } from "node:net";

export type ResponseHeaders = Record<string, string>;

export interface HttpAnswer {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ", as IncomingMessage.headers does for most names. */
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
  /** False when the connection ended before the framing said the body was complete. */
  readonly complete: boolean;
}

export interface HttpFailure {
  readonly error: Error;
  /** The request went out on a connection that had served an earlier request. */
  readonly reused: boolean;
}

export interface HttpExchange {
  readonly method: string;
  readonly path: string;
  /** In the order they go on the wire, after Host. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer | undefined;
  /** Called once, with the answer or with why there is none. */
  readonly done: (answer: HttpAnswer | HttpFailure) => void;
}

/** Node's own default limit for a response head (--max-http-header-size) is 16 KiB; be generous. */
const MAX_HEAD_BYTES = 64 * 1024;
const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");

export class KeepAliveHttpClient {
  private readonly hostHeader: string;
  private readonly idle: Connection[] = [];
  private readonly waiting: HttpExchange[] = [];
  private open = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxSockets = 2,
  ) {
    this.hostHeader = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  }

  send(exchange: HttpExchange): void {
    const connection = this.idle.pop() ?? this.newConnection();
    if (connection) connection.start(exchange);
    else this.waiting.push(exchange);
  }

  private newConnection(): Connection | undefined {
    if (this.open >= this.maxSockets) return undefined;
    this.open++;
    return new Connection(this.host, this.port, this.hostHeader, {
      idle: (connection) => {
        const next = this.waiting.shift();
        if (next) connection.start(next);
        else this.idle.push(connection);
      },
      closed: (connection) => {
        this.open--;
        const at = this.idle.indexOf(connection);
        if (at >= 0) this.idle.splice(at, 1);
        const next = this.waiting.shift();
        if (next) this.send(next);
      },
    });
  }
}

interface ConnectionEvents {
  idle(connection: Connection): void;
  closed(connection: Connection): void;
}

type Framing =
  | { kind: "length"; remaining: number }
  | { kind: "chunked" }
  | { kind: "close" }
  | { kind: "none" };

/** One socket, one request at a time, answers parsed as they arrive. */
class Connection {
  private readonly socket: Socket;
  private exchange: HttpExchange | undefined;
  private served = 0;
  private closed = false;
  // The answer being parsed.
  private pending: Buffer = Buffer.alloc(0);
  private status = 0;
  private headers: ResponseHeaders = {};
  private framing: Framing | undefined;
  private chunks: Buffer[] = [];
  private keepAlive = true;

  constructor(
    host: string,
    port: number,
    private readonly hostHeader: string,
    private readonly events: ConnectionEvents,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on("data", (data: Buffer) => this.onData(data));
    this.socket.on("error", (error: Error) => this.onEnd(error));
    this.socket.on("close", () => this.onEnd(undefined));
  }

  start(exchange: HttpExchange): void {
    this.exchange = exchange;
    this.resetAnswer();
    this.socket.ref();
    let head = `${exchange.method} ${exchange.path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\n`;
    for (const [name, value] of exchange.headers) head += `${name}: ${value}\r\n`;
    head += "Connection: keep-alive\r\n\r\n";
    this.socket.cork();
    this.socket.write(head, "latin1");
    if (exchange.body && exchange.body.length > 0) this.socket.write(exchange.body);
    this.socket.uncork();
  }

  private resetAnswer(): void {
    this.pending = Buffer.alloc(0);
    this.status = 0;
    this.headers = {};
    this.framing = undefined;
    this.chunks = [];
    this.keepAlive = true;
  }

  private onData(data: Buffer): void {
    if (!this.exchange) {
      // Bytes nobody asked for: the connection is out of step; drop it.
      this.socket.destroy();
      return;
    }
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    try {
      this.parse();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private parse(): void {
    for (;;) {
      if (!this.framing) {
        const end = this.pending.indexOf(HEAD_END);
        if (end < 0) {
          if (this.pending.length > MAX_HEAD_BYTES) throw new Error("response head too large");
          return;
        }
        this.readHead(this.pending.toString("latin1", 0, end));
        this.pending = this.pending.subarray(end + HEAD_END.length);
        if (!this.framing) continue; // a 1xx answer: the real one follows
      }
      if (!this.readBody()) return;
      this.finish(true);
      return;
    }
  }

  private readHead(head: string): void {
    const lines = head.split("\r\n");
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? "");
    if (!statusLine) throw new Error(`malformed status line ${JSON.stringify(lines[0]?.slice(0, 80))}`);
    const status = Number(statusLine[2]);
    if (status >= 100 && status < 200) return;
    const headers: ResponseHeaders = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] ?? "";
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Error(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      const earlier = headers[name];
      headers[name] = earlier === undefined ? value : `${earlier}, ${value}`;
    }
    this.status = status;
    this.headers = headers;
    const connection = headers.connection?.toLowerCase() ?? "";
    this.keepAlive =
      statusLine[1] === "1" ? !connection.includes("close") : connection.includes("keep-alive");
    this.framing = framingOf(status, this.exchange?.method ?? "GET", headers);
  }

  /** True once the body is complete. */
  private readBody(): boolean {
    const framing = this.framing;
    if (!framing || framing.kind === "none") return true;
    if (framing.kind === "close") {
      if (this.pending.length > 0) this.chunks.push(this.pending);
      this.pending = Buffer.alloc(0);
      return false;
    }
    if (framing.kind === "length") {
      const take = Math.min(framing.remaining, this.pending.length);
      if (take > 0) this.chunks.push(this.pending.subarray(0, take));
      framing.remaining -= take;
      this.pending = this.pending.subarray(take);
      return framing.remaining === 0;
    }
    return this.readChunks();
  }

  private readChunks(): boolean {
    for (;;) {
      const lineEnd = this.pending.indexOf(CRLF);
      if (lineEnd < 0) return false;
      const size = Number.parseInt(this.pending.toString("latin1", 0, lineEnd).split(";")[0] ?? "", 16);
      if (!Number.isFinite(size) || size < 0) throw new Error("malformed chunk size");
      if (size === 0) {
        // The last chunk, then trailers (ignored) up to an empty line.
        const end = this.pending.indexOf(HEAD_END, lineEnd);
        if (end < 0) return false;
        this.pending = this.pending.subarray(end + HEAD_END.length);
        return true;
      }
      const start = lineEnd + CRLF.length;
      if (this.pending.length < start + size + CRLF.length) return false;
      this.chunks.push(this.pending.subarray(start, start + size));
      this.pending = this.pending.subarray(start + size + CRLF.length);
    }
  }

  private finish(complete: boolean): void {
    const exchange = this.exchange;
    if (!exchange) return;
    this.exchange = undefined;
    this.served++;
    const answer: HttpAnswer = {
      status: this.status,
      headers: this.headers,
      body: this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks),
      complete,
    };
    const reusable = complete && this.keepAlive && !this.closed && this.pending.length === 0;
    this.resetAnswer();
    if (reusable) {
      this.socket.unref();
      this.events.idle(this);
    } else {
      this.socket.destroy();
    }
    exchange.done(answer);
  }

  private fail(error: Error): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    this.socket.destroy();
    exchange?.done({ error, reused: this.served > 0 });
  }

  /** The connection ended (an error, or the peer closed it). */
  private onEnd(error: Error | undefined): void {
    if (!this.closed) {
      this.closed = true;
      this.socket.unref();
      this.events.closed(this);
    }
    if (!this.exchange) return;
    // An answer whose status has arrived ends here: read-until-close bodies complete, others are cut short
    // (a server may answer a large POST early, 413, and close before reading all of it).
    if (this.framing) {
      this.finish(this.framing.kind === "close");
      return;
    }
    this.fail(error ?? new Error("socket hang up"));
  }
}

/** RFC 9112 §6.3: how the body of an answer is delimited. */
function framingOf(status: number, method: string, headers: ResponseHeaders): Framing {
  if (method === "HEAD" || status === 204 || status === 304) return { kind: "none" };
  if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) return { kind: "chunked" };
  const length = headers["content-length"];
  if (length !== undefined) {
    const remaining = Number(length.split(",")[0]);
    if (!Number.isSafeInteger(remaining) || remaining < 0) throw new Error("malformed Content-Length");
    return remaining === 0 ? { kind: "none" } : { kind: "length", remaining };
  }
  return { kind: "close" };
}
