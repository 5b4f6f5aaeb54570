/**
 * `x-amzn-RequestId` on every Lambda API answer, errors included, as AWS sends it. For an invocation the same id
 * is the invocation's request id (the START/END/REPORT lines and `context.awsRequestId`), so a caller can find
 * the logs of the call it made.
 */
import { randomUUID } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

const HEADER = "x-amzn-RequestId";

export async function assignRequestId(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header(HEADER, randomUUID());
}

export function requestIdOf(reply: FastifyReply): string {
  const id = reply.getHeader(HEADER);
  return typeof id === "string" ? id : randomUUID();
}
