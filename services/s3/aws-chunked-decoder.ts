/**
 * Decodes an `aws-chunked` request body into the object's bytes, as S3 does before storing them. The AWS SDKs
 * send streamed bodies this way — v3's default flexible checksums (`requestChecksumCalculation: WHEN_SUPPORTED`)
 * turn every PutObject / UploadPart with a stream into `Content-Encoding: aws-chunked` with the checksum in a
 * trailer — and s3rver would store the framing verbatim. The framing
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html) is:
 *
 *   hex-size[;chunk-signature=…]\r\n  data  \r\n   … repeated …
 *   0[;chunk-signature=…]\r\n  [trailer-name:value\r\n …]  \r\n
 *
 * Chunk and trailer signatures are not checked (s3rver checks no SigV4 signature either: Lambkin's S3 takes any
 * credentials). The decoded length is checked against `x-amz-decoded-content-length`, and the trailing checksum
 * named by `x-amz-trailer` against the bytes when it is one Node computes (CRC32, SHA-1, SHA-256; CRC32C and
 * CRC64NVME pass unchecked). What S3 would refuse is kept in `problem` — S3's error code and message — rather than
 * emitted as a stream error: the store downstream must finish what it writes (s3rver does not handle a failing
 * body stream), and the caller then discards it and answers the error.
 */
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { crc32 } from "node:zlib";

export interface ChunkedBodyProblem {
  /** S3's error code for it (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). */
  readonly code: "IncompleteBody" | "InvalidRequest" | "BadDigest";
  readonly message: string;
}

/** A chunk header or trailer line is a few dozen bytes; anything longer than this is not aws-chunked. */
const MAX_LINE_BYTES = 4096;
/** The SDKs send one checksum trailer (and a signature for signed trailers); a handful is plenty. */
const MAX_TRAILERS = 16;
const CHUNK_SIZE = /^[0-9a-fA-F]{1,12}$/;

type State = "size" | "data" | "data-end" | "trailer" | "done";

/** Whether a request's body is aws-chunked: its content encoding says so, or its payload hash is a STREAMING one. */
export function isAwsChunked(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const encoding = headers["content-encoding"];
  const sha = headers["x-amz-content-sha256"];
  return (
    (typeof encoding === "string" && contentEncodingTokens(encoding).includes("aws-chunked")) ||
    (typeof sha === "string" && sha.startsWith("STREAMING-"))
  );
}

/** The content codings of a Content-Encoding value, lowercased. */
export function contentEncodingTokens(value: string): string[] {
  return value
    .split(",")
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== "");
}

/** A running checksum of one of the algorithms Node computes, in the base64 form S3's checksum headers carry. */
interface RunningChecksum {
  update(data: Buffer): void;
  digest(): string;
}

function runningChecksum(trailerName: string | undefined): RunningChecksum | undefined {
  switch (trailerName) {
    case "x-amz-checksum-crc32": {
      let value = 0;
      return {
        update: (data) => {
          value = crc32(data, value);
        },
        digest: () => {
          const bytes = Buffer.alloc(4);
          bytes.writeUInt32BE(value >>> 0);
          return bytes.toString("base64");
        },
      };
    }
    case "x-amz-checksum-sha1":
    case "x-amz-checksum-sha256": {
      const hash: Hash = createHash(trailerName === "x-amz-checksum-sha1" ? "sha1" : "sha256");
      return { update: (data) => hash.update(data), digest: () => hash.digest("base64") };
    }
    default:
      return undefined;
  }
}

export class AwsChunkedDecoder extends Transform {
  /** Why S3 would refuse the body; set once, and from then on nothing more is emitted. */
  problem: ChunkedBodyProblem | undefined;
  /** The object's bytes emitted so far. */
  decodedBytes = 0;
  private state: State = "size";
  private remaining = 0;
  private line: Buffer[] = [];
  private lineBytes = 0;
  private readonly trailers = new Map<string, string>();
  private readonly trailerName: string | undefined;
  private readonly checksum: RunningChecksum | undefined;

  /**
   * @param expectedLength `x-amz-decoded-content-length`, when the client sent it.
   * @param trailer `x-amz-trailer`: the header the last chunk's trailer carries (a checksum), when announced.
   */
  constructor(
    private readonly expectedLength: number | undefined,
    trailer: string | undefined,
  ) {
    super();
    this.trailerName = trailer?.trim().toLowerCase() || undefined;
    this.checksum = runningChecksum(this.trailerName);
  }

  /** The body stopped before its end (the client went away): what was decoded is incomplete. */
  abort(): void {
    this.fail("IncompleteBody", "The request body ended before its last aws-chunked chunk.");
    this.end();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let offset = 0;
    while (offset < chunk.length && this.problem === undefined) {
      if (this.state === "data") {
        const data = chunk.subarray(offset, offset + this.remaining);
        offset += data.length;
        this.remaining -= data.length;
        this.decodedBytes += data.length;
        this.checksum?.update(data);
        this.push(data);
        if (this.remaining === 0) this.state = "data-end";
        continue;
      }
      if (this.state === "done") {
        this.fail("InvalidRequest", "The request body goes on after its last aws-chunked chunk.");
        break;
      }
      const newline = chunk.indexOf(0x0a, offset);
      const end = newline === -1 ? chunk.length : newline;
      this.line.push(chunk.subarray(offset, end));
      this.lineBytes += end - offset;
      offset = end + 1;
      if (this.lineBytes > MAX_LINE_BYTES) {
        this.fail("InvalidRequest", "An aws-chunked chunk header or trailer is too long.");
        break;
      }
      if (newline === -1) break;
      const line = Buffer.concat(this.line).toString("latin1");
      this.line = [];
      this.lineBytes = 0;
      if (!line.endsWith("\r")) {
        this.fail("InvalidRequest", "An aws-chunked line does not end with CRLF.");
        break;
      }
      this.onLine(line.slice(0, -1));
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.problem === undefined) this.finish();
    callback();
  }

  private onLine(line: string): void {
    switch (this.state) {
      case "size": {
        const size = line.split(";", 1)[0] ?? "";
        if (!CHUNK_SIZE.test(size)) {
          this.fail("InvalidRequest", "An aws-chunked chunk does not start with its size in hexadecimal.");
          return;
        }
        this.remaining = Number.parseInt(size, 16);
        this.state = this.remaining === 0 ? "trailer" : "data";
        return;
      }
      case "data-end":
        if (line !== "") {
          this.fail("InvalidRequest", "An aws-chunked chunk holds more bytes than its size says.");
          return;
        }
        this.state = "size";
        return;
      case "trailer": {
        if (line === "") {
          this.state = "done";
          return;
        }
        const colon = line.indexOf(":");
        if (colon <= 0 || this.trailers.size >= MAX_TRAILERS) {
          this.fail("InvalidRequest", "An aws-chunked trailer is not a name:value header.");
          return;
        }
        this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        return;
      }
      default:
        return;
    }
  }

  /** At the end of the body: it must have ended after its last chunk, with the length and checksum it announced. */
  private finish(): void {
    // A sender may stop right after its last trailer line, without the final empty line.
    const ended = this.state === "done" || (this.state === "trailer" && this.lineBytes === 0);
    if (!ended) {
      this.fail("IncompleteBody", "The request body ended before its last aws-chunked chunk.");
      return;
    }
    if (this.expectedLength !== undefined && this.decodedBytes !== this.expectedLength) {
      this.fail(
        "IncompleteBody",
        `The aws-chunked body holds ${this.decodedBytes} bytes, not the ${this.expectedLength} of x-amz-decoded-content-length.`,
      );
      return;
    }
    if (this.trailerName === undefined) return;
    const sent = this.trailers.get(this.trailerName);
    if (sent === undefined) {
      this.fail("InvalidRequest", `The trailer ${this.trailerName} announced by x-amz-trailer was not sent.`);
      return;
    }
    if (this.checksum && this.checksum.digest() !== sent) {
      this.fail(
        "BadDigest",
        `The ${this.trailerName.slice("x-amz-checksum-".length).toUpperCase()} you specified did not match the calculated checksum.`,
      );
    }
  }

  private fail(code: ChunkedBodyProblem["code"], message: string): void {
    this.problem ??= { code, message };
  }
}
