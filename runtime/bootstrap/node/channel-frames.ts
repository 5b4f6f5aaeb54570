/**
 * The framing of the private Runtime API channel between Lambkin and its own Node bootstrap in the process
 * sandbox (docs/architecture.md "The Runtime API channel"): one socketpair, handed to the runtime as an extra
 * stdio descriptor, that carries the very requests and answers of the HTTP Runtime API without HTTP's cost.
 * Imported by both ends (runtime/runtime-api/runtime-api-channel.ts and channel-client.ts here), so the two can
 * never disagree on it; it lives in the bootstrap's folder because that folder must run when copied alone.
 *
 * A frame is a 12-byte prefix, then its head, then its body:
 *
 *     u32 BE  sequence    the request's number, chosen by the runtime; its answer carries the same number
 *     u32 BE  head bytes  at most MAX_FRAME_HEAD_BYTES
 *     u32 BE  body bytes
 *     head    latin1 text, lines ended by "\n": a request's first line is `METHOD /path`, an answer's is its
 *             status code; then `Name: value` header lines, exactly as they would travel over HTTP
 *     body    the bytes an HTTP request or answer would carry
 *
 * Requests and answers keep the HTTP Runtime API's methods, paths, headers, status codes and bodies, so both
 * transports are served by one router (runtime-api-core.ts) and a runtime sees the same answers on either.
 */

/**
 * The variable that names the channel's descriptor — on Lambda Managed Instances a comma-separated list, one per
 * worker thread (managed-runtime.ts); the bootstrap removes it before any user code runs.
 */
export const CHANNEL_FD_VARIABLE = "_LAMBKIN_RUNTIME_API_FD";
/**
 * Set to "off", the bootstrap sends each `/next` only once the answer before it is acknowledged, instead of in
 * the same write (rapid-client.ts): the baseline bench:channel measures against. Removed with the descriptor's.
 */
export const CHANNEL_PIPELINE_VARIABLE = "_LAMBKIN_RUNTIME_API_PIPELINE";
/**
 * Set to "on", the bootstrap waits for the channel's answers blocked in read(2), so that its event loop stands
 * still between invocations (channel-client.ts): for an environment that runs one invocation at a time and is
 * frozen between them, not inspected. Removed with the descriptor's.
 */
export const CHANNEL_BLOCKING_VARIABLE = "_LAMBKIN_RUNTIME_API_BLOCKING";
/**
 * The header of a `/next` sent in the same write as an answer (channel-client.ts sendAnswerAndNext): the answer's
 * sequence number. Lambkin serves that `/next` only if it answered that request 202, and otherwise drops it
 * unanswered; the bootstrap, refused, logs the refusal and sends a `/next` of its own afterwards, as it would have.
 */
export const NEXT_IF_ACCEPTED_HEADER = "Lambkin-Next-If-Accepted";
export const FRAME_PREFIX_BYTES = 12;
/** The same bound as an HTTP request head (node's --max-http-header-size is 16 KiB; be generous). */
export const MAX_FRAME_HEAD_BYTES = 64 * 1024;
const U32_LIMIT = 2 ** 32;
const INLINE_BODY_BYTES = 64 * 1024;

/** One frame as written: prefix, head and a small body in one buffer, or a large body after it (corked together). */
export function encodeFrame(sequence: number, head: string, body: Buffer | undefined): [Buffer, Buffer?] {
  const headBytes = head.length; // latin1: one byte per character
  const bodyBytes = body?.length ?? 0;
  if (headBytes > MAX_FRAME_HEAD_BYTES) throw new RangeError("Runtime API channel frame head too large");
  if (bodyBytes >= U32_LIMIT) throw new RangeError("Runtime API channel frame body too large");
  // A small body is copied in: one buffer is one write(2), where two are a writev through node's stream
  // machinery (measured: most of the write cost of a frame); a large one is written as it is.
  const inline = bodyBytes <= INLINE_BODY_BYTES;
  const start = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + headBytes + (inline ? bodyBytes : 0));
  start.writeUInt32BE(sequence >>> 0, 0);
  start.writeUInt32BE(headBytes, 4);
  start.writeUInt32BE(bodyBytes, 8);
  start.write(head, FRAME_PREFIX_BYTES, "latin1");
  if (!inline) return [start, body];
  if (body && bodyBytes > 0) body.copy(start, FRAME_PREFIX_BYTES + headBytes);
  return [start];
}

/** What a frame is written to: the channel's socket, at either end. */
export interface FrameSink {
  cork(): void;
  uncork(): void;
  write(chunk: Buffer): boolean;
}

/** Encodes one frame and writes it: one write, or its two parts corked together. */
export function writeFrame(sink: FrameSink, sequence: number, head: string, body: Buffer | undefined): void {
  writeParts(sink, encodeFrame(sequence, head, body));
}

/** Up to this many bytes of frames are copied into one buffer, so that they leave in one write(2). */
const COALESCE_BYTES = 256 * 1024;

/**
 * Writes the parts of one or more encoded frames, in order: small ones copied into one buffer, one write —
 * and so one wake-up of the reader at the other end, where a write each would wake it once per frame
 * (measured: most of the channel's cost per invocation); large ones corked together.
 */
export function writeParts(sink: FrameSink, parts: ReadonlyArray<Buffer | undefined>): void {
  let total = 0;
  let count = 0;
  for (const part of parts) {
    if (!part) continue;
    total += part.length;
    count++;
  }
  if (count === 0) return;
  if (count === 1) {
    for (const part of parts) if (part) sink.write(part);
    return;
  }
  if (total <= COALESCE_BYTES) {
    const whole = Buffer.allocUnsafe(total);
    let at = 0;
    for (const part of parts) {
      if (!part) continue;
      part.copy(whole, at);
      at += part.length;
    }
    sink.write(whole);
    return;
  }
  sink.cork();
  for (const part of parts) if (part) sink.write(part);
  sink.uncork();
}

export interface Frame {
  readonly sequence: number;
  readonly head: string;
  /** The body, or undefined when it was longer than the reader's limit (then only counted, never stored). */
  readonly body: Buffer | undefined;
  readonly bodyBytes: number;
}

export type FrameFault = "head-too-large";

/**
 * Reads frames from a byte stream as the chunks arrive. Nothing a sender claims is allocated up front: a
 * body is kept as the chunks that carry it, and past `maxBodyBytes` only counted, as an HTTP server reads a
 * body over its limit. A fault stops the reader for good (the stream is out of step from there on).
 */
export class FrameReader {
  /** Bytes of a prefix or head not complete yet. */
  private held: Buffer | undefined;
  private sequence = 0;
  private headBytes = -1;
  private head = "";
  private bodyBytes = -1;
  /** The body length a prefix announced, while its head is read. */
  private pendingBodyBytes = 0;
  private bodyReceived = 0;
  private bodyChunks: Buffer[] = [];
  private stopped = false;

  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly onFault: (fault: FrameFault, sequence: number) => void,
    private readonly maxBodyBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** Whether part of a frame's prefix or head has arrived and the rest has not. */
  get midHead(): boolean {
    return !this.stopped && this.bodyBytes < 0 && (this.headBytes >= 0 || this.held !== undefined);
  }

  stop(): void {
    this.stopped = true;
    this.held = undefined;
    this.bodyChunks = [];
  }

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.stopped) {
      if (this.bodyBytes < 0) at = this.readPrefixAndHead(chunk, at);
      else at = this.readBody(chunk, at);
    }
    // A frame with an empty body is complete as soon as its head is.
    if (this.bodyBytes === 0 && !this.stopped) this.emit();
  }

  private readPrefixAndHead(chunk: Buffer, at: number): number {
    const need = this.headBytes < 0 ? FRAME_PREFIX_BYTES : this.headBytes;
    const have = this.held?.length ?? 0;
    const take = Math.min(need - have, chunk.length - at);
    const part = chunk.subarray(at, at + take);
    const bytes = have === 0 ? part : Buffer.concat([this.held as Buffer, part], have + take);
    if (bytes.length < need) {
      // Copied: a subarray would keep the sender's whole chunk alive.
      this.held = have === 0 ? Buffer.from(bytes) : bytes;
      return at + take;
    }
    this.held = undefined;
    if (this.headBytes < 0) {
      this.sequence = bytes.readUInt32BE(0);
      this.headBytes = bytes.readUInt32BE(4);
      const bodyBytes = bytes.readUInt32BE(8);
      if (this.headBytes > MAX_FRAME_HEAD_BYTES) {
        this.stop();
        this.onFault("head-too-large", this.sequence);
        return chunk.length;
      }
      if (this.headBytes === 0) this.startBody(bodyBytes);
      else this.pendingBodyBytes = bodyBytes;
    } else {
      this.head = bytes.toString("latin1");
      this.startBody(this.pendingBodyBytes);
    }
    return at + take;
  }

  private startBody(bodyBytes: number): void {
    this.bodyBytes = bodyBytes;
    this.bodyReceived = 0;
    this.bodyChunks = [];
  }

  private readBody(chunk: Buffer, at: number): number {
    if (this.bodyBytes === 0) {
      this.emit();
      return at;
    }
    const take = Math.min(this.bodyBytes - this.bodyReceived, chunk.length - at);
    if (this.bodyBytes <= this.maxBodyBytes) this.bodyChunks.push(chunk.subarray(at, at + take));
    this.bodyReceived += take;
    if (this.bodyReceived === this.bodyBytes) this.emit();
    return at + take;
  }

  private emit(): void {
    const { sequence, head, bodyBytes, bodyChunks } = this;
    this.headBytes = -1;
    this.bodyBytes = -1;
    this.head = "";
    this.bodyChunks = [];
    const body =
      bodyBytes > this.maxBodyBytes
        ? undefined
        : bodyChunks.length === 1
          ? (bodyChunks[0] as Buffer)
          : Buffer.concat(bodyChunks, bodyBytes);
    this.onFrame({ sequence, head, body, bodyBytes });
  }
}
