/**
 * The time rules of a SigV4 signature. Lambda accepts a signed request whose X-Amz-Date is within 5 minutes of its
 * clock, either way, and refuses others with InvalidSignatureException, e.g. (403, aws/aws-sdk-go#859, ListFunctions):
 * `Signature expired: 20160928T174419Z is now earlier than 20160928T174724Z (20160928T175224Z - 5 min.)`, and for a
 * clock running behind `Signature not yet current: <date> is still later than <now + 5 min> (<now> + 5 min.)`.
 * A presigned URL is valid from X-Amz-Date (same 5 minutes of tolerance) until X-Amz-Date + X-Amz-Expires.
 * The credential scope must name the signing day, the `lambda` service and the `aws4_request` terminator.
 */
import { ApiError } from "../api-error.js";
import type { SignatureClaim } from "./signature-claim.js";

export const CLOCK_SKEW_MS = 5 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** The signing date the claim states, after checking it against `now` and the credential scope. */
export function checkSigningTime(claim: SignatureClaim, now: Date): Date {
  const signedAt = parseAmzDate(claim.amzDate);
  if (claim.scope.date !== claim.amzDate.slice(0, 8)) {
    throw invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${claim.scope.date}' != '${claim.amzDate.slice(0, 8)}', from '${claim.amzDate}'.`,
    );
  }
  if (signedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    throw invalid(
      `Signature not yet current: ${claim.amzDate} is still later than ${amzDate(new Date(now.getTime() + CLOCK_SKEW_MS))} (${amzDate(now)} + 5 min.)`,
    );
  }
  const validForMs = claim.expiresSeconds === undefined ? CLOCK_SKEW_MS : claim.expiresSeconds * 1000;
  if (signedAt.getTime() < now.getTime() - validForMs) {
    const window = claim.expiresSeconds === undefined ? "5 min." : `${claim.expiresSeconds} sec.`;
    throw invalid(
      `Signature expired: ${claim.amzDate} is now earlier than ${amzDate(new Date(now.getTime() - validForMs))} (${amzDate(now)} - ${window})`,
    );
  }
  return signedAt;
}

/** A service only accepts signatures made for itself (Lambda's: `lambda`), with the standard terminator. */
export function checkCredentialScope(claim: SignatureClaim, service = "lambda"): void {
  if (claim.scope.service !== service)
    throw invalid(`Credential should be scoped to correct service: '${service}'.`);
  if (claim.scope.terminator !== "aws4_request") {
    throw invalid(
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${claim.scope.terminator}'.`,
    );
  }
}

function parseAmzDate(text: string): Date {
  const parts = AMZ_DATE.exec(text);
  if (!parts) {
    throw new ApiError(
      "IncompleteSignatureException",
      `Date must be in ISO-8601 'basic format'. Got '${text}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  const [, year, month, day, hour, minute, second] = parts.map(Number) as number[];
  return new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
}

/** `20260322T023427Z` */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function invalid(message: string): ApiError {
  return new ApiError("InvalidSignatureException", message);
}
