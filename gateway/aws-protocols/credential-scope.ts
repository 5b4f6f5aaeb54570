/**
 * The AWS service a request is signed for, read from its SigV4 credential scope without checking anything else:
 * `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260322/us-east-1/sqs/aws4_request, …` or a presigned URL's
 * `X-Amz-Credential=AKID%2F20260322%2Fus-east-1%2Fsqs%2Faws4_request`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html). This is how the
 * gateway tells an SDK's SQS or SNS call from an API Gateway route on the same port, as LocalStack does; the
 * signature itself is checked later, by the service's own authentication (aws-authentication.ts).
 */
import type { IncomingHttpHeaders } from "node:http";

/** Scope elements are short; anything longer is not a credential and is ignored (no unbounded scanning). */
const MAX_CREDENTIAL_LENGTH = 512;
const HEADER_CREDENTIAL = /Credential=([^,\s]{1,512})/;

/** `sqs`, `sns`, `lambda`, … or undefined when the request carries no readable credential scope. */
export function credentialScopeService(headers: IncomingHttpHeaders, url: string): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    const match = HEADER_CREDENTIAL.exec(authorization.slice(0, 4096));
    return match ? serviceOfCredential(match[1] as string) : undefined;
  }
  const credential = queryParameter(url, "X-Amz-Credential");
  return credential === undefined ? undefined : serviceOfCredential(credential);
}

/** `AKID/date/region/service/aws4_request` → `service`. */
export function serviceOfCredential(credential: string): string | undefined {
  if (credential.length > MAX_CREDENTIAL_LENGTH) return undefined;
  const parts = credential.split("/");
  return parts.length === 5 && parts[3] ? (parts[3] as string) : undefined;
}

function queryParameter(url: string, name: string): string | undefined {
  const mark = url.indexOf("?");
  if (mark < 0) return undefined;
  for (const pair of url.slice(mark + 1).split("&")) {
    const equals = pair.indexOf("=");
    if (equals < 0 || pair.slice(0, equals) !== name) continue;
    try {
      return decodeURIComponent(pair.slice(equals + 1).replace(/\+/g, " "));
    } catch {
      return undefined;
    }
  }
  return undefined;
}
