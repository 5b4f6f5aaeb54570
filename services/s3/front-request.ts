/**
 * What Lambkin's front layer changes in a request before s3rver sees it, so that unchanged clients work:
 *
 * - **Any credentials.** s3rver knows one access key (`S3RVER`) and refuses every other with InvalidAccessKeyId;
 *   it checks no SigV4 signature at all. Handlers run with whatever credentials their environment has, so the key
 *   id in the Authorization header (SigV4 `Credential=KEY/…`, SigV2 `AWS KEY:…`) and in presigned query strings
 *   (`X-Amz-Credential`, `AWSAccessKeyId`) is replaced by s3rver's before it looks (SigV2 signatures are not
 *   checked either: the service sets allowMismatchedSignatures).
 * - **Virtual-hosted requests on localhost.** An SDK given `http://localhost:PORT` without forcePathStyle sends
 *   `Host: <bucket>.localhost:PORT` (https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html),
 *   which s3rver would read as a bucket named `<bucket>.localhost`. The request is rewritten path-style
 *   (`/<bucket>/<key>`, Host `localhost:PORT`). Whether `<bucket>.localhost` resolves is the client machine's
 *   resolver's business (systemd-resolved and browsers resolve it; plain glibc with /etc/hosts does not). An IP
 *   endpoint (`http://127.0.0.1:PORT`, Lambkin's) makes every SDK send path-style requests.
 * - **aws-chunked bodies** (aws-chunked-decoder.ts): the request s3rver gets reads the decoded bytes, with their
 *   length as Content-Length and `aws-chunked` taken out of Content-Encoding (which s3rver would otherwise store
 *   as the object's own).
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { contentEncodingTokens } from "./aws-chunked-decoder.js";

/** The one access key s3rver knows (s3rver/lib/models/account.js). */
const S3RVER_ACCESS_KEY = "S3RVER";
/** Bucket names (S3's rules), then `.localhost`, then the port. */
const LOCALHOST_VHOST = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.localhost(:\d{1,5})?$/i;

/** The request line and headers s3rver is to see. */
export interface RewrittenRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export function rewriteRequest(req: IncomingMessage): RewrittenRequest {
  const headers: IncomingHttpHeaders = { ...req.headers };
  let url = req.url ?? "/";
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    headers.authorization = authorization
      .replace(/(Credential=)[^/,\s]*\//, `$1${S3RVER_ACCESS_KEY}/`)
      .replace(/^(AWS )[^:\s]+:/, `$1${S3RVER_ACCESS_KEY}:`);
  }
  const query = url.indexOf("?");
  if (query !== -1) {
    url =
      url.slice(0, query) +
      url
        .slice(query)
        .replace(/([?&]X-Amz-Credential=)[^&]*?(%2F|\/)/i, `$1${S3RVER_ACCESS_KEY}$2`)
        .replace(/([?&]AWSAccessKeyId=)[^&]*/, `$1${S3RVER_ACCESS_KEY}`);
  }
  const vhost = LOCALHOST_VHOST.exec(headers.host ?? "");
  if (vhost) {
    const bucket = (vhost[1] as string).toLowerCase();
    url = `/${bucket}${url.startsWith("/") ? url : `/${url}`}`;
    headers.host = `localhost${vhost[2] ?? ""}`;
  }
  return { url, headers };
}

/** The headers of the decoded body: its length, no aws-chunked coding, no trailer. */
export function decodedBodyHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = { ...headers };
  const decodedLength = headers["x-amz-decoded-content-length"];
  delete result["transfer-encoding"];
  delete result["x-amz-trailer"];
  delete result["x-amz-decoded-content-length"];
  if (typeof decodedLength === "string" && /^\d+$/.test(decodedLength))
    result["content-length"] = decodedLength;
  else delete result["content-length"];
  const encodings = contentEncodingTokens(headers["content-encoding"] ?? "").filter(
    (token) => token !== "aws-chunked",
  );
  if (encodings.length > 0) result["content-encoding"] = encodings.join(", ");
  else delete result["content-encoding"];
  // The body s3rver reads is the payload itself.
  result["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
  return result;
}

/** `x-amz-decoded-content-length` as a number, when it is one. */
export function decodedContentLength(headers: IncomingHttpHeaders): number | undefined {
  const value = headers["x-amz-decoded-content-length"];
  return typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/**
 * A request for s3rver's Koa app whose body is `body`: Koa and s3rver read the request line, the headers and the
 * socket from it, and its bytes as a stream (pipe, `data`/`end`), nothing else.
 */
export function requestWithBody(
  req: IncomingMessage,
  body: Readable,
  rewritten: RewrittenRequest,
): IncomingMessage {
  return Object.assign(body, {
    url: rewritten.url,
    method: req.method,
    headers: rewritten.headers,
    rawHeaders: [],
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    socket: req.socket,
    connection: req.socket,
  }) as unknown as IncomingMessage;
}
