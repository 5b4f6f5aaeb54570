/**
 * The parts of an HTTP request API Gateway puts into an event, taken from the request as it arrived: the path
 * and query string exactly as sent, every header line in order with its name as sent, the body bytes, the
 * client address. API Gateway also adds the forwarding headers a load balancer adds — X-Forwarded-For (the
 * client's value, if any, followed by the source IP), X-Forwarded-Port, X-Forwarded-Proto and X-Amzn-Trace-Id
 * (every captured event shows them, e.g. the one in "set-up-lambda-proxy-integrations"). Hop-by-hop headers
 * (Connection, Keep-Alive, …) end at API Gateway's front door and never reach the function.
 */
import type { FastifyRequest } from "fastify";
import { traceHeader } from "./request-ids.js";

export type HeaderLine = readonly [name: string, value: string];

export interface RequestData {
  readonly method: string;
  /** The path as sent, percent-encoding kept. */
  readonly rawPath: string;
  /** After `?`, as sent; "" when none. */
  readonly rawQueryString: string;
  /** Header lines as received plus the forwarding headers, names as sent. */
  readonly headers: readonly HeaderLine[];
  readonly body: Buffer | undefined;
  readonly sourceIp: string;
  readonly protocol: string;
  readonly receivedAt: number;
  /** Bytes of the request line (method and URL) and of the header values as received: API Gateway's quota. */
  readonly requestLineAndHeaderBytes: number;
  readonly urlBytes: number;
}

const FORWARDING = new Set(["x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id"]);
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "upgrade",
  "transfer-encoding",
]);

export function requestData(request: FastifyRequest): RequestData {
  const { raw } = request;
  const url = raw.url ?? "/";
  const queryStart = url.indexOf("?");
  const receivedAt = Date.now();
  const sourceIp = clientAddress(raw.socket.remoteAddress);
  const headers: HeaderLine[] = [];
  let clientForwardedFor: string | undefined;
  const lines = raw.rawHeaders;
  const urlBytes = Buffer.byteLength(url);
  let requestLineAndHeaderBytes = Buffer.byteLength(raw.method ?? "") + urlBytes;
  for (let index = 0; index < lines.length; index += 2) {
    const name = lines[index] as string;
    const value = lines[index + 1] as string;
    requestLineAndHeaderBytes += Buffer.byteLength(value);
    const lower = name.toLowerCase();
    if (lower === "x-forwarded-for") clientForwardedFor = value;
    else if (!FORWARDING.has(lower) && !HOP_BY_HOP.has(lower)) headers.push([name, value]);
  }
  headers.push(
    ["X-Amzn-Trace-Id", traceHeader(receivedAt)],
    ["X-Forwarded-For", clientForwardedFor ? `${clientForwardedFor}, ${sourceIp}` : sourceIp],
    ["X-Forwarded-Port", String(raw.socket.localPort ?? "")],
    ["X-Forwarded-Proto", "encrypted" in raw.socket && raw.socket.encrypted ? "https" : "http"],
  );
  return {
    method: (raw.method ?? "GET").toUpperCase(),
    rawPath: queryStart < 0 ? url : url.slice(0, queryStart),
    rawQueryString: queryStart < 0 ? "" : url.slice(queryStart + 1),
    headers,
    body: Buffer.isBuffer(request.body) ? request.body : undefined,
    sourceIp,
    protocol: `HTTP/${raw.httpVersion}`,
    receivedAt,
    requestLineAndHeaderBytes,
    urlBytes,
  };
}

/** The last value of a header (case-insensitive), as API Gateway's single-value maps keep it. */
export function headerValue(headers: readonly HeaderLine[], name: string): string | undefined {
  const lower = name.toLowerCase();
  let found: string | undefined;
  for (const [key, value] of headers) if (key.toLowerCase() === lower) found = value;
  return found;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: API Gateway reports IPv4 clients in dotted form. */
function clientAddress(address: string | undefined): string {
  if (!address) return "127.0.0.1";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
