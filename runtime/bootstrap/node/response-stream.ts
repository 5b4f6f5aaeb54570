/**
 * ResponseStream: the `responseStream` handed to an `awslambda.streamifyResponse` handler, and
 * `awslambda.HttpResponseStream` (RIC src/ResponseStream.js, src/HttpResponseStream.js).
 *
 * Lambkin BUFFERS streamed responses for now: the bytes written are collected and, once the stream has
 * ended, posted to `/response` as one ordinary body with the stream's content type (default
 * `application/octet-stream`) — not as a chunked `Lambda-Runtime-Function-Response-Mode: streaming`
 * request with error trailers (docs/lambda-behaviour.md §1.3). What a handler can observe is kept: setContentType
 * (refused after the first write with the RIC's error), objects written as JSON, the
 * `_onBeforeFirstWrite` hook HttpResponseStream uses to write its JSON prelude and 8 NUL bytes.
 */
import { Writable } from "node:stream";
import { InvalidStreamingOperation } from "./errors.js";

const DEFAULT_CONTENT_TYPE = "application/octet-stream";
const METADATA_PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
const DELIMITER_LEN = 8;

type WriteCallback = (error: Error | null | undefined) => void;
type RawWrite = (chunk: string | Uint8Array) => void;

export class BufferedResponseStream extends Writable {
  contentType = DEFAULT_CONTENT_TYPE;
  /** Set by HttpResponseStream.from: called with a raw writer just before the first write. */
  _onBeforeFirstWrite: ((write: RawWrite) => void) | undefined = undefined;
  private readonly chunks: Buffer[] = [];
  private written = false;

  constructor(highWaterMark?: number) {
    super(highWaterMark === undefined ? {} : { highWaterMark });
  }

  setContentType(contentType: string): void {
    if (this.written) throw new InvalidStreamingOperation("Cannot set content-type, too late.");
    this.contentType = contentType;
  }

  override write(
    chunk: unknown,
    encoding?: BufferEncoding | WriteCallback,
    callback?: WriteCallback,
  ): boolean {
    let data = chunk;
    // As the RIC: anything but a string, Buffer or Uint8Array is written as its JSON.
    if (typeof data !== "string" && !Buffer.isBuffer(data) && (data as object)?.constructor !== Uint8Array) {
      data = JSON.stringify(data);
    }
    if (!this.written && typeof this._onBeforeFirstWrite === "function") {
      this._onBeforeFirstWrite((raw) => super.write(raw));
    }
    this.written = true;
    return super.write(data, encoding as BufferEncoding, callback);
  }

  override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    if (typeof chunk === "function") return super.end(chunk as () => void);
    if (chunk !== undefined && chunk !== null) {
      this.write(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : undefined);
    }
    const done = (typeof encoding === "function" ? encoding : callback) as (() => void) | undefined;
    return super.end(done);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    this.chunks.push(chunk);
    callback(null);
  }

  /** Everything written so far. */
  body(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Implements the `application/vnd.awslambda.http-integration-response` framing (Function URLs). */
// biome-ignore lint/complexity/noStaticOnlyClass: handlers use it as AWS ships it, a class: `awslambda.HttpResponseStream.from(…)`.
export class HttpResponseStream {
  static from(underlyingStream: BufferedResponseStream, prelude: unknown): BufferedResponseStream {
    underlyingStream.setContentType(METADATA_PRELUDE_CONTENT_TYPE);
    // JSON.stringify is required: a NUL byte is not allowed in the prelude.
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(DELIMITER_LEN));
    };
    return underlyingStream;
  }
}
