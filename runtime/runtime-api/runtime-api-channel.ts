/**
 * The Lambkin end of the private Runtime API channel of Lambkin's own Node bootstrap in the process sandbox
 * (docs/architecture.md "The Runtime API channel"; framing in bootstrap/node/channel-frames.ts). Each frame is
 * one Runtime API request — method, path, headers, body — served by the same router as HTTP
 * (runtime-api-core.ts); each answer goes back as a frame with the request's sequence number.
 *
 * The channel is a socketpair only the environment holds the other end of, so it needs no peer check; but
 * the function's code can write to it as well as the bootstrap, and hostile input is normal input. What the
 * HTTP server does with a request its parser refuses (malformed-request-reply.ts), this does with a frame it
 * cannot read: one answer in the Runtime API's error shape, then the channel is closed — the environment's
 * TCP Runtime API stays up, and its bootstrap, which cannot go on without its channel, exits (the invocation
 * then ends as Runtime.ExitError). A claimed length is never allocated: a body over the payload limit is
 * counted as it arrives, not kept, and a head over MAX_FRAME_HEAD_BYTES is refused from its prefix. An
 * incomplete head is cut after HEAD_TIMEOUT_MS, as node's HTTP server cuts an incomplete request head
 * (`headersTimeout`, 60 s); an incomplete body waits, as an HTTP body does (no `requestTimeout` here), until
 * the invocation's timeout ends the environment. A flood of requests is read only as fast as the runtime
 * reads the answers (reading pauses while answers are waiting to be written).
 */
import { METHODS } from "node:http";
import type { Duplex } from "node:stream";
import {
  encodeFrame,
  type Frame,
  FrameReader,
  MAX_FRAME_HEAD_BYTES,
  NEXT_IF_ACCEPTED_HEADER,
  writeParts,
} from "../bootstrap/node/channel-frames.js";
import { deliveryHeaders, type InvocationDelivery } from "./invocation-delivery.js";
import { ACCEPTED, type RuntimeApiExchange } from "./runtime-api-core.js";
import { MAX_RUNTIME_PAYLOAD_BYTES } from "./runtime-api-limits.js";

/** node's http.Server `headersTimeout` default: how long a request head may take to arrive whole. */
const HEAD_TIMEOUT_MS = 60_000;
/** How long a refused channel may stay open for its answer to be read (malformed-request-reply.ts's). */
const LINGER_MS = 2000;
const KNOWN_METHODS = new Set(METHODS);
// RFC 9110 field names (tokens, section 5.1); field values without control characters but HTAB (section 5.5), as
// node's parser (llhttp) requires; a request target without spaces or control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const INVALID_TARGET = /[\x00-\x20\x7f]/;
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Names node's IncomingMessage keeps the first value of, rather than joining repeats with ", ". */
const SINGLE_VALUED = new Set(["content-type", "content-length", "user-agent", "host", "authorization"]);
const JSON_HEAD = "Content-Type: application/json\n";
const ACCEPTED_HEAD = `202\n${JSON_HEAD}`;
const ACCEPTED_BODY = Buffer.from(JSON.stringify(ACCEPTED));
const NEXT_IF_ACCEPTED = NEXT_IF_ACCEPTED_HEADER.toLowerCase();

export function attachRuntimeApiChannel(
  channel: Duplex,
  serve: (exchange: RuntimeApiExchange) => void,
): void {
  new ChannelConnection(channel, serve);
}

interface Refusal {
  readonly status: number;
  readonly errorType: string;
  readonly errorMessage: string;
}

class ChannelConnection {
  closed = false;
  private readonly reader: FrameReader;
  /** Exchanges whose end someone waits for (a long-polling /next). */
  private readonly open = new Set<ChannelExchange>();
  private headTimer: NodeJS.Timeout | undefined;
  private paused = false;
  /** The answers written while a chunk is read: they leave together once it is (see onData). */
  private batch: Buffer[] | undefined;
  /** Whether every answer in `batch` is a 202 (which may wait: see onData). */
  private batchOnlyAccepted = true;
  /** 202s waiting to leave with the next write, while the runtime's `/next` waits. */
  private held: Buffer[] = [];
  /** The sequence number of the last request answered 202. */
  private lastAccepted: number | undefined;

  constructor(
    readonly channel: Duplex,
    private readonly serve: (exchange: RuntimeApiExchange) => void,
  ) {
    this.reader = new FrameReader(
      (frame) => this.onFrame(frame),
      (_fault, sequence) =>
        this.refuseAndClose(sequence, {
          status: 431,
          errorType: "RequestHeaderFieldsTooLarge",
          errorMessage: "Request header fields too large",
        }),
      MAX_RUNTIME_PAYLOAD_BYTES,
    );
    channel.on("data", (chunk: Buffer) => this.onData(chunk));
    // A runtime gone or a broken pipe is the end of the channel, never an error of Lambkin's.
    channel.on("error", () => channel.destroy());
    channel.once("close", () => this.onClose());
  }

  /**
   * The frames of one chunk are served, and their answers written, together: Lambkin's bootstrap sends an
   * invocation's answer and its next `/next` in one write (rapid-client.ts), and the 202 and — when an event
   * waits already — the event then go back in one write, one wake-up of the environment instead of two.
   * When no event waits, the 202 is held until the `/next` is answered (the next event, a 403 when another
   * /next takes its place) or ends unanswered, and leaves in the same write: a runtime that pipelines its
   * `/next` has nothing to do with the 202 before its next event, and one that waits for the 202 before its
   * `/next` (every other) never has a `/next` waiting behind it, so its 202 is never held.
   */
  private onData(chunk: Buffer): void {
    this.batch = [];
    this.batchOnlyAccepted = true;
    try {
      this.reader.push(chunk);
    } finally {
      const batch = this.batch;
      this.batch = undefined;
      if (batch.length > 0) {
        if (this.batchOnlyAccepted && this.open.size > 0 && !this.closed) this.held.push(...batch);
        else this.writeNow(batch);
      }
    }
    if (this.reader.midHead) this.armHeadTimer();
    else if (this.headTimer) this.disarmHeadTimer();
  }

  /** Writes a frame (with a chunk's other answers, if one is being read); `accepted`: it is a 202. */
  write(sequence: number, head: string, body: Buffer | undefined, accepted = false): void {
    if (this.closed || !this.channel.writable) return;
    if (accepted) this.lastAccepted = sequence;
    const parts = encodeFrame(sequence, head, body);
    if (this.batch) {
      if (!accepted) this.batchOnlyAccepted = false;
      for (const part of parts) if (part) this.batch.push(part);
      return;
    }
    this.writeNow(parts);
  }

  /** Reading pauses while the runtime does not read what it is sent. */
  private writeNow(parts: ReadonlyArray<Buffer | undefined>): void {
    if (this.closed || !this.channel.writable) return;
    const held = this.held;
    if (held.length > 0) this.held = [];
    writeParts(this.channel, held.length > 0 ? [...held, ...parts] : parts);
    if (this.channel.writableNeedDrain && !this.paused) {
      this.paused = true;
      this.channel.pause();
      this.channel.once("drain", () => {
        this.paused = false;
        this.channel.resume();
      });
    }
  }

  /** Whatever is still held or batched leaves now. */
  private flush(): void {
    const batch = this.batch;
    if (batch && batch.length > 0) {
      this.batch = [];
      this.writeNow(batch);
    } else if (this.held.length > 0) this.writeNow([]);
  }

  waitsForEnd(exchange: ChannelExchange): void {
    this.open.add(exchange);
  }

  ended(exchange: ChannelExchange): void {
    this.open.delete(exchange);
    // The /next a 202 waited behind ended without an answer (the environment is going away): it leaves now.
    if (this.open.size === 0 && this.held.length > 0 && !this.batch) this.writeNow([]);
  }

  private onFrame(frame: Frame): void {
    const request = parseRequestHead(frame.head);
    if ("status" in request) {
      this.refuseAndClose(frame.sequence, request);
      return;
    }
    // A /next sent along with an answer counts only if that answer was accepted (channel-frames.ts): refused, the
    // runtime logs the refusal and sends its own /next after it, or exits.
    const after = request.headers[NEXT_IF_ACCEPTED];
    if (after !== undefined && Number(after) !== this.lastAccepted) return;
    this.serve(new ChannelExchange(this, frame, request.method, request.url, request.headers));
  }

  /** One answer in the Runtime API's error shape, then the channel is closed (the stream is out of step). */
  private refuseAndClose(sequence: number, refusal: Refusal): void {
    this.reader.stop();
    this.disarmHeadTimer();
    const body = Buffer.from(
      JSON.stringify({ errorMessage: refusal.errorMessage, errorType: refusal.errorType }),
    );
    this.write(sequence, `${refusal.status}\n${JSON_HEAD}`, body);
    this.flush();
    // Closed once the answer is handed to the kernel (a Unix socket keeps it readable for the runtime), or
    // after LINGER_MS if the runtime does not read it; what it still sends meanwhile is not read.
    this.channel.end();
    this.channel.once("finish", () => this.channel.destroy());
    setTimeout(() => this.channel.destroy(), LINGER_MS).unref();
  }

  private armHeadTimer(): void {
    if (this.headTimer) return;
    this.headTimer = setTimeout(() => {
      this.headTimer = undefined;
      this.refuseAndClose(0, { status: 408, errorType: "RequestTimeout", errorMessage: "Request timeout" });
    }, HEAD_TIMEOUT_MS);
    this.headTimer.unref();
  }

  private disarmHeadTimer(): void {
    clearTimeout(this.headTimer);
    this.headTimer = undefined;
  }

  private onClose(): void {
    this.closed = true;
    this.reader.stop();
    this.disarmHeadTimer();
    const waiting = [...this.open];
    this.open.clear();
    for (const exchange of waiting) exchange.closed();
  }
}

interface RequestHead {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** `METHOD /path` and `Name: value` lines, refused where node's HTTP parser would refuse them. */
function parseRequestHead(head: string): RequestHead | Refusal {
  const lines = head.split("\n");
  const requestLine = lines[0] ?? "";
  const space = requestLine.indexOf(" ");
  const method = space < 0 ? requestLine : requestLine.slice(0, space);
  const url = space < 0 ? "" : requestLine.slice(space + 1);
  if (!KNOWN_METHODS.has(method)) return malformed("HPE_INVALID_METHOD");
  if (url === "" || INVALID_TARGET.test(url)) return malformed("HPE_INVALID_URL");
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "" && i === lines.length - 1) break; // the head's last line ends with "\n" too
    const field = HEADER_LINE.exec(line);
    if (!field) return malformed("HPE_INVALID_HEADER_TOKEN");
    const name = (field[1] as string).toLowerCase();
    const value = field[2] as string;
    const earlier = headers[name];
    if (earlier === undefined) headers[name] = value;
    else if (!SINGLE_VALUED.has(name)) headers[name] = `${earlier}, ${value}`;
  }
  return { method, url, headers };
}

function malformed(code: string): Refusal {
  return { status: 400, errorType: "InvalidRequest", errorMessage: `Malformed HTTP request (${code})` };
}

/** One framed request and its answer, as runtime-api-core.ts sees them. The body has arrived whole. */
class ChannelExchange implements RuntimeApiExchange {
  private answered = false;
  private endListeners: (() => void)[] | undefined;

  constructor(
    private readonly connection: ChannelConnection,
    private readonly frame: Frame,
    readonly method: string,
    readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  get gone(): boolean {
    return this.connection.closed;
  }

  header(name: string): string | undefined {
    return this.headers[name];
  }

  readBody(_abandoned: () => void, done: (body: Buffer | undefined, size: number) => void): void {
    done(this.frame.body, this.frame.bodyBytes);
  }

  whenComplete(then: () => void): void {
    then();
  }

  discardBody(): void {}

  reply(status: number, body: object, headers?: Readonly<Record<string, string>>): void {
    if (this.answered || this.connection.closed) return;
    if (body === ACCEPTED && !headers) {
      this.answer(ACCEPTED_HEAD, ACCEPTED_BODY, true); // the answer to every /response: its text made once
      return;
    }
    let head = `${status}\n`;
    if (headers) for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\n`;
    this.answer(`${head}${JSON_HEAD}`, Buffer.from(JSON.stringify(body)));
  }

  deliver(delivery: InvocationDelivery): void {
    if (this.answered || this.connection.closed) return;
    let head = "200\n";
    for (const [name, value] of Object.entries(deliveryHeaders(delivery))) {
      // What node's writeHead refuses (ERR_INVALID_CHAR) is refused here too: a line break would be a header.
      if (INVALID_HEADER_VALUE.test(value))
        throw new TypeError(`Invalid character in header content ["${name}"]`);
      head += `${name}: ${value}\n`;
    }
    if (head.length > MAX_FRAME_HEAD_BYTES) throw new RangeError("Invocation headers too large");
    this.answer(head, delivery.payload);
  }

  onEnd(listener: () => void): void {
    if (this.answered || this.connection.closed) {
      listener();
      return;
    }
    this.endListeners = [...(this.endListeners ?? []), listener];
    this.connection.waitsForEnd(this);
  }

  abort(): void {
    if (this.answered) return;
    this.answered = true;
    this.end();
  }

  failed(): void {
    this.reply(500, { errorMessage: "Internal Server Error", errorType: "InternalServerError" });
  }

  /** The channel closed before the answer. */
  closed(): void {
    this.answered = true;
    this.end();
  }

  private answer(head: string, body: Buffer, accepted = false): void {
    this.answered = true;
    this.connection.write(this.frame.sequence, head, body, accepted);
    this.end();
  }

  private end(): void {
    const listeners = this.endListeners;
    if (!listeners) return;
    this.endListeners = undefined;
    this.connection.ended(this);
    for (const listener of listeners) listener();
  }
}
