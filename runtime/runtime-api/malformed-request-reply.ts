/**
 * The answer of a Runtime API server to a request node's HTTP parser refused (`clientError`: a garbage
 * request line, an invalid method, header injection, oversized headers, an invalid Content-Length or
 * chunk, a request cut short): a 4xx in the Runtime API's error shape `{"errorMessage","errorType"}`
 * (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html; RAPID renders its own errors in the
 * same shape, e.g. 400 TruncatedHTTPRequest "HTTP request detected as truncated"), written straight to
 * the socket, since no ServerResponse exists for such a request. Never throws: whatever arrives, the
 * server goes on.
 */
import type { Socket } from "node:net";

/** How long a refused connection may go on sending before it is cut (the client reads our answer first). */
const LINGER_MS = 2000;
/** Connections already answered: node's parser reports each later byte, and the end, as errors again. */
const answered = new WeakSet<Socket>();

interface Refusal {
  readonly status: number;
  readonly reason: string;
  readonly errorType: string;
  readonly errorMessage: string;
}

function refusalFor(error: NodeJS.ErrnoException): Refusal {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return {
        status: 431,
        reason: "Request Header Fields Too Large",
        errorType: "RequestHeaderFieldsTooLarge",
        errorMessage: "Request header fields too large",
      };
    case "HPE_INVALID_EOF_STATE":
      return {
        status: 400,
        reason: "Bad Request",
        errorType: "TruncatedHTTPRequest",
        errorMessage: "HTTP request detected as truncated",
      };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return {
        status: 408,
        reason: "Request Timeout",
        errorType: "RequestTimeout",
        errorMessage: "Request timeout",
      };
    default:
      return {
        status: 400,
        reason: "Bad Request",
        errorType: "InvalidRequest",
        errorMessage: `Malformed HTTP request${error.code ? ` (${error.code})` : ""}`,
      };
  }
}

/** node's own field for the response being written on a connection (null or absent when none). */
export type HttpSocket = Socket & {
  _httpMessage?:
    | (NodeJS.WritableStream & { writableEnded: boolean; headersSent: boolean; req?: { complete: boolean } })
    | null;
};

/**
 * Answers a refused request, then closes the connection. The answer goes after the responses to the
 * requests before it on the connection (pipelined junk): if one is half written, the connection is cut
 * instead, as node itself does, since writing then would corrupt that response.
 */
export function replyToMalformedRequest(error: NodeJS.ErrnoException, socket: Socket): void {
  if (answered.has(socket)) return;
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  socket.on("error", () => socket.destroy());
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
  afterEarlierResponses(socket as HttpSocket, () => answer(error, socket));
}

/**
 * `then` once every response before this point has been written, or now if the response on the
 * connection has not written a byte yet (its request is the refused one: a body gone wrong); never if
 * one is half written (a long-poll under way).
 */
export function afterEarlierResponses(socket: HttpSocket, then: () => void): void {
  const current = socket._httpMessage;
  // A complete request whose answer has not started (its connection's owner is still being looked up,
  // runtime-api-server.ts) is answered first; an incomplete one is the refused request itself.
  if (current == null || (!current.headersSent && current.req?.complete !== true)) then();
  else if (!current.headersSent) current.once("finish", () => afterEarlierResponses(socket, then));
  else if (!current.writableEnded) socket.destroy();
  // node hands the socket to the next queued response on 'finish', before this listener runs.
  else current.once("finish", () => afterEarlierResponses(socket, then));
}

function answer(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const refusal = refusalFor(error);
  const body = JSON.stringify({ errorMessage: refusal.errorMessage, errorType: refusal.errorType });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // Closing a socket with unread input resets it, and a reset can discard the answer before the client
  // has read it: let the rest of what it sends drain (a "lingering close") until LINGER_MS cuts it.
  socket.resume();
}
