/**
 * Checks a claimed SigV4 signature by signing the request again with the claimed key's secret, using AWS's own
 * signer (@smithy/signature-v4, the one aws-sdk-js-v3 signs with), and comparing in constant time. The request is
 * given to the signer as it arrived: method, raw (still percent-encoded) path, query, only the headers the client
 * says it signed, and the body bytes — the signer then escapes the path once more, as SDKs and botocore do for
 * every service but S3.
 * Presigned URLs are checked with the signer's `presign`; botocore presigns non-S3 requests with the payload hash
 * `UNSIGNED-PAYLOAD`, aws-sdk-js-v3 with the body's hash, so either is accepted.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import { ApiError } from "../api-error.js";
import { NodeSha256 } from "./node-sha256.js";
import type { SignatureClaim } from "./signature-claim.js";

export interface ReceivedRequest {
  readonly method: string;
  /** The path exactly as sent, percent-encoding included. */
  readonly rawPath: string;
  readonly query: Readonly<Record<string, string[]>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer | undefined;
}

const PRESIGN_PARAMETERS = new Set([
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
  "X-Amz-Signature",
]);
const CONTENT_SHA256 = "x-amz-content-sha256";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** Throws InvalidSignatureException with AWS's wording (erlcloud/erlcloud#690) unless the signature matches. */
export async function checkSignature(
  claim: SignatureClaim,
  secretAccessKey: string,
  request: ReceivedRequest,
  signedAt: Date,
): Promise<void> {
  checkContentHash(request);
  const signer = new SignatureV4({
    credentials: { accessKeyId: claim.accessKeyId, secretAccessKey },
    region: claim.scope.region,
    service: claim.scope.service,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const candidates =
    claim.form === "header"
      ? [await headerSignature(signer, claim, request, signedAt)]
      : await querySignatures(signer, claim, request, signedAt);
  if (!candidates.some((candidate) => sameSignature(candidate, claim.signature))) {
    throw new ApiError(
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
}

async function headerSignature(
  signer: SignatureV4,
  claim: SignatureClaim,
  request: ReceivedRequest,
  signedAt: Date,
): Promise<string> {
  const signed = await signer.sign(httpRequest(request, claim, request.query), {
    signingDate: signedAt,
    signableHeaders: new Set(claim.signedHeaders),
  });
  return /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1] ?? "";
}

async function querySignatures(
  signer: SignatureV4,
  claim: SignatureClaim,
  request: ReceivedRequest,
  signedAt: Date,
): Promise<string[]> {
  const query = Object.fromEntries(
    Object.entries(request.query).filter(([name]) => !PRESIGN_PARAMETERS.has(name)),
  );
  const base = httpRequest(request, claim, query);
  const unsignedPayload = { ...base, headers: { ...base.headers, [CONTENT_SHA256]: UNSIGNED_PAYLOAD } };
  const signatures: string[] = [];
  for (const candidate of [base, unsignedPayload]) {
    const presigned = await signer.presign(candidate, {
      signingDate: signedAt,
      expiresIn: claim.expiresSeconds,
      signableHeaders: new Set(claim.signedHeaders),
      unsignableHeaders: new Set([CONTENT_SHA256].filter((name) => !claim.signedHeaders.includes(name))),
      unhoistableHeaders: new Set(Object.keys(candidate.headers)),
    });
    signatures.push(String(presigned.query?.["X-Amz-Signature"] ?? ""));
  }
  return signatures;
}

function httpRequest(
  request: ReceivedRequest,
  claim: SignatureClaim,
  query: Readonly<Record<string, string[]>>,
) {
  const headers: Record<string, string> = {};
  for (const name of claim.signedHeaders) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return {
    method: request.method,
    protocol: "http:",
    hostname: String(request.headers.host ?? ""),
    path: request.rawPath,
    query: Object.fromEntries(
      Object.entries(query).map(([name, values]) => [
        name,
        values.length === 1 ? (values[0] as string) : values,
      ]),
    ),
    headers,
    body: request.body,
  };
}

/** A signed `x-amz-content-sha256` must be the body's real hash: the signature covers that header, not the body. */
function checkContentHash(request: ReceivedRequest): void {
  const claimed = request.headers[CONTENT_SHA256];
  if (claimed === undefined) return;
  const actual = createHash("sha256")
    .update(request.body ?? Buffer.alloc(0))
    .digest("hex");
  if (claimed !== actual) {
    throw new ApiError(
      "InvalidSignatureException",
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
}

function sameSignature(expected: string, claimed: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(claimed);
  return a.length === b.length && timingSafeEqual(a, b);
}
