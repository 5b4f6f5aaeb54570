/**
 * SigV4 authentication of the Lambda API, when access keys are configured (LAMBKIN_ACCESS_KEYS): every request
 * under the API's prefixes, unknown operations included (AWS authenticates before it routes), must be signed by one
 * of them. Checks, in order: a signature is there and well-formed (MissingAuthenticationToken /
 * IncompleteSignature), its key is known (UnrecognizedClientException "The security token included in the request
 * is invalid." — iann0036/iamlive#58), its scope and time are right, and it matches (InvalidSignatureException).
 * Runs as a preHandler hook: the body is parsed by then, and the signature covers it.
 * Without configured keys nothing is checked (`lambkin dev` warns about it at startup).
 */
import type { FastifyRequest } from "fastify";
import { ApiError } from "../api-error.js";
import { checkSignature } from "./signature-check.js";
import { signatureClaim } from "./signature-claim.js";
import { checkCredentialScope, checkSigningTime } from "./signing-time.js";

export function sigV4Authentication(
  accessKeys: ReadonlyMap<string, string>,
): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (accessKeys.size === 0) return;
    const { rawPath, query } = splitUrl(request.raw.url ?? request.url);
    const claim = signatureClaim(request, query);
    const secret = accessKeys.get(claim.accessKeyId);
    if (secret === undefined) {
      throw new ApiError(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
      );
    }
    checkCredentialScope(claim);
    const signedAt = checkSigningTime(claim, new Date());
    const body = Buffer.isBuffer(request.body) ? request.body : undefined;
    await checkSignature(
      claim,
      secret,
      { method: request.method, rawPath, query, headers: request.headers, body },
      signedAt,
    );
  };
}

/** The path as sent and the query decoded into lists of values (SigV4 sorts repeated parameters by value). */
function splitUrl(url: string): { rawPath: string; query: Record<string, string[]> } {
  const mark = url.indexOf("?");
  const rawPath = mark < 0 ? url : url.slice(0, mark);
  const query: Record<string, string[]> = {};
  for (const pair of (mark < 0 ? "" : url.slice(mark + 1)).split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const name = decode(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? "" : decode(pair.slice(equals + 1));
    query[name] = [...(query[name] ?? []), value];
  }
  return { rawPath, query };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ApiError(
      "IncompleteSignatureException",
      `The query string parameter '${text}' is not valid percent-encoding.`,
    );
  }
}
