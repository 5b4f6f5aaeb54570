/**
 * SigV4 authentication of the Lambda API, when access keys are configured (LAMBKIN_ACCESS_KEYS): every request
 * under the API's prefixes, unknown operations included (AWS authenticates before it routes), must be signed by one
 * of them. Checks, in order: a signature is there and well-formed (MissingAuthenticationToken /
 * IncompleteSignature), it signs `host`, its key is known (UnrecognizedClientException "The security token included
 * in the request is invalid." — iann0036/iamlive#58), its scope and time are right, and it matches
 * (InvalidSignatureException).
 * In two steps, so that a request that cannot be authentic is refused BEFORE its body is read (an unsigned client
 * must not make Lambkin buffer megabytes): `beforeBody` (an onRequest hook) checks all but the signature itself,
 * from the headers and URL alone; `afterBody` (a preHandler hook, once the body is there) recomputes the signature,
 * which covers the body.
 * Without configured keys nothing is checked (`lambkin dev` warns about it at startup).
 */
import type { FastifyRequest } from "fastify";
import { ApiError } from "../api-error.js";
import { checkSignature } from "./signature-check.js";
import { type SignatureClaim, signatureClaim } from "./signature-claim.js";
import { checkCredentialScope, checkSigningTime } from "./signing-time.js";

export interface SigV4Authentication {
  readonly beforeBody: (request: FastifyRequest) => Promise<void>;
  readonly afterBody: (request: FastifyRequest) => Promise<void>;
}

interface PendingCheck {
  readonly claim: SignatureClaim;
  readonly secret: string;
  readonly signedAt: Date;
  readonly rawPath: string;
  readonly query: Record<string, string[]>;
}

export function sigV4Authentication(
  accessKeys: ReadonlyMap<string, string>,
  target: { readonly service?: string; readonly urlOf?: (request: FastifyRequest) => string } = {},
): SigV4Authentication {
  const check = (request: FastifyRequest) =>
    preliminaryCheck(accessKeys, request, {
      ...(target.service === undefined ? {} : { service: target.service }),
      ...(target.urlOf === undefined ? {} : { url: target.urlOf(request) }),
    });
  const pending = new WeakMap<FastifyRequest, PendingCheck>();
  return {
    async beforeBody(request) {
      if (accessKeys.size === 0) return;
      pending.set(request, check(request));
    },
    async afterBody(request) {
      if (accessKeys.size === 0) return;
      // A request that skipped onRequest (none should) is checked in full here.
      const claimed = pending.get(request) ?? check(request);
      const body = Buffer.isBuffer(request.body) ? request.body : undefined;
      const { rawPath, query } = claimed;
      await checkSignature(
        claimed.claim,
        claimed.secret,
        { method: request.method, rawPath, query, headers: request.headers, body },
        claimed.signedAt,
      );
    },
  };
}

/**
 * Everything that can be checked from the headers and URL alone; throws the ApiError AWS would answer. Other AWS
 * services served on the gateway (gateway/aws-protocols/) pass their scope's service and the URL as it was sent.
 */
export function preliminaryCheck(
  accessKeys: ReadonlyMap<string, string>,
  request: FastifyRequest,
  target: { readonly service?: string; readonly url?: string } = {},
): PendingCheck {
  const { rawPath, query } = splitUrl(target.url ?? request.raw.url ?? request.url);
  const claim = signatureClaim(request, query);
  const secret = accessKeys.get(claim.accessKeyId);
  if (secret === undefined) {
    throw new ApiError(
      "UnrecognizedClientException",
      "The security token included in the request is invalid.",
    );
  }
  checkCredentialScope(claim, target.service);
  const signedAt = checkSigningTime(claim, new Date());
  return { claim, secret, signedAt, rawPath, query };
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
