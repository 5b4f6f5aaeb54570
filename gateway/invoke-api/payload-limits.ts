/**
 * Lambda's payload limits applied to a request body as it ARRIVES, so that an oversized one is refused without
 * being buffered: 6 MB for a synchronous invocation, 1 MB for an asynchronous one (Event, InvokeAsync)
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). A declared Content-Length over the
 * limit gets RequestTooLargeException (413) at once, from an onRequest hook; a body without one (chunked) is cut
 * by the routes' body limit when it passes 6 MB, and the 1 MB limit of an asynchronous call is then checked on the
 * body read (invoke-route.ts). What a refused client still sends is read and discarded by Node (error-reply.ts).
 */
import type { FastifyRequest } from "fastify";
import { requestTooLarge } from "../../runtime/errors/service-errors.js";
import { MAX_ASYNC_PAYLOAD_BYTES, MAX_SYNC_PAYLOAD_BYTES } from "../../runtime/invoker/invoke-request.js";

/** What any Lambda API route reads at most. */
export const MAX_BODY_BYTES = MAX_SYNC_PAYLOAD_BYTES;

export async function checkDeclaredPayloadSize(request: FastifyRequest): Promise<void> {
  const declared = Number(request.headers["content-length"]);
  if (!Number.isFinite(declared)) return;
  const limit = isAsynchronous(request) ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
  if (declared > limit) throw requestTooLarge(limit);
}

function isAsynchronous(request: FastifyRequest): boolean {
  const path = (request.raw.url ?? request.url).split("?")[0] ?? "";
  return request.headers["x-amz-invocation-type"] === "Event" || /\/invoke-async\/?$/.test(path);
}
