/**
 * Reads what a request claims about its SigV4 signature, from the `Authorization` header
 * (`AWS4-HMAC-SHA256 Credential=AKID/20260322/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date,
 * Signature=…` with `X-Amz-Date`) or from a presigned URL's `X-Amz-*` query parameters. Malformed claims get the
 * errors Coral services answer, in their words: MissingAuthenticationTokenException "Missing Authentication Token"
 * (brefphp/bref#1250), IncompleteSignatureException "Authorization header requires 'Credential' parameter. …"
 * (aws/chalice#828) and "'…' not a valid key=value pair (missing equal-sign) in Authorization header: '…'."
 * (iann0036/cloud9-sync#10).
 * Two rules every AWS service applies whatever the signature: `host` must be one of the signed headers (Coral answers
 * InvalidSignatureException "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
 * aws/aws-sdk-php#2469 — else a signature could be replayed against another endpoint), and a presigned URL lives at
 * most a week, X-Amz-Expires ≤ 604800 ("X-Amz-Expires must be less than a week (in seconds) that is 604800", as
 * AWS's SigV4 services word it; https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html —
 * "the maximum is 604800 (seven days)").
 */
import type { FastifyRequest } from "fastify";
import { ApiError } from "../api-error.js";

export const ALGORITHM = "AWS4-HMAC-SHA256";
/** Seven days: SigV4 signing keys are valid that long, so no presigned URL may outlive it. */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604800;

export interface CredentialScope {
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
}

export interface SignatureClaim {
  readonly form: "header" | "query";
  readonly accessKeyId: string;
  readonly scope: CredentialScope;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** `YYYYMMDD'T'HHMMSS'Z'` */
  readonly amzDate: string;
  /** Presigned URLs only: seconds the signature stays valid. */
  readonly expiresSeconds?: number;
}

export function signatureClaim(
  request: Pick<FastifyRequest, "headers">,
  query: Readonly<Record<string, string[]>>,
): SignatureClaim {
  const authorization = request.headers.authorization;
  const claim =
    authorization !== undefined
      ? headerClaim(authorization, headerValue(request, "x-amz-date"))
      : query["X-Amz-Algorithm"] !== undefined
        ? queryClaim(query)
        : undefined;
  if (!claim) throw new ApiError("MissingAuthenticationTokenException", "Missing Authentication Token");
  if (!claim.signedHeaders.includes("host")) {
    throw new ApiError(
      "InvalidSignatureException",
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }
  return claim;
}

function headerClaim(authorization: string, amzDate: string | undefined): SignatureClaim {
  const parameters = new Map<string, string>();
  const algorithm = authorization.startsWith(`${ALGORITHM} `) ? ALGORITHM : undefined;
  for (const part of (algorithm ? authorization.slice(ALGORITHM.length + 1) : "").split(",")) {
    const pair = part.trim();
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    if (equals < 0) {
      throw incomplete(
        `'${pair}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`,
      );
    }
    parameters.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  const missing = [
    ...["Credential", "Signature", "SignedHeaders"]
      .filter((name) => !parameters.get(name))
      .map((name) => `Authorization header requires '${name}' parameter.`),
    ...(amzDate
      ? []
      : ["Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."]),
  ];
  if (missing.length > 0) throw incomplete(`${missing.join(" ")} Authorization=${authorization}`);
  return {
    form: "header",
    ...credential(parameters.get("Credential") as string),
    signedHeaders: signedHeaderNames(parameters.get("SignedHeaders") as string),
    signature: parameters.get("Signature") as string,
    amzDate: amzDate as string,
  };
}

function queryClaim(query: Readonly<Record<string, string[]>>): SignatureClaim {
  const value = (name: string) => query[name]?.[0];
  const missing = [
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
    "X-Amz-Expires",
  ].filter((name) => !value(name));
  if (value("X-Amz-Algorithm") !== ALGORITHM) missing.unshift("X-Amz-Algorithm");
  if (missing.length > 0) {
    throw incomplete(
      `AWS query-string parameters must include ${missing.map((name) => `'${name}'`).join(", ")}.`,
    );
  }
  const expiresSeconds = Number(value("X-Amz-Expires"));
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1) {
    throw incomplete("X-Amz-Expires must be a positive number of seconds.");
  }
  if (expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
    throw incomplete(
      `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES_SECONDS}`,
    );
  }
  return {
    form: "query",
    ...credential(value("X-Amz-Credential") as string),
    signedHeaders: signedHeaderNames(value("X-Amz-SignedHeaders") as string),
    signature: value("X-Amz-Signature") as string,
    amzDate: value("X-Amz-Date") as string,
    expiresSeconds,
  };
}

/** `AKID/date/region/service/aws4_request` */
function credential(text: string): { accessKeyId: string; scope: CredentialScope } {
  const parts = text.split("/");
  const [accessKeyId, date, region, service, terminator] = parts;
  if (parts.length !== 5 || !accessKeyId || !date || !region || !service || !terminator) {
    throw incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${text}'`,
    );
  }
  return { accessKeyId, scope: { date, region, service, terminator } };
}

/** `host;x-amz-date`; names are compared lower-case, as SigV4 canonicalises them. */
function signedHeaderNames(text: string): string[] {
  return text.split(";").map((name) => name.trim().toLowerCase());
}

function headerValue(request: Pick<FastifyRequest, "headers">, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function incomplete(message: string): ApiError {
  return new ApiError("IncompleteSignatureException", message);
}
