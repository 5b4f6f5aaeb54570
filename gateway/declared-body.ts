/**
 * Fastify reads no body for GET and HEAD, so their handlers run as soon as the headers are in. A request that
 * declares a body anyway (Content-Length, Transfer-Encoding) is answered only once that body has arrived whole:
 * one cut short — the client closed, or stopped sending — never gets an answer (200 from GetFunction, say) to a
 * request that did not complete. Node's parser then refuses the connection (front-door.ts answers 400) or the
 * request timeout does (408), as for any other method.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";

export function declaresBody(headers: IncomingHttpHeaders): boolean {
  if (headers["transfer-encoding"] !== undefined) return true;
  const length = headers["content-length"];
  return length !== undefined && length !== "0";
}

/** Resolves true once the request's body has been read to its end, false if the request ended before it. */
export function bodyArrived(raw: IncomingMessage): Promise<boolean> {
  if (raw.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    raw.once("end", () => resolve(raw.complete));
    raw.once("close", () => resolve(raw.complete));
    raw.resume();
  });
}

/** A preHandler: holds a body-declaring request that fastify did not read until its body is whole. */
export async function awaitDeclaredBody(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.body !== undefined || !declaresBody(request.headers)) return;
  if (await bodyArrived(request.raw)) return;
  // The connection's own refusal (or its end) answers the client; nothing more is written.
  reply.hijack();
}
