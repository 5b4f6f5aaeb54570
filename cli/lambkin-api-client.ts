/**
 * A client of a running Lambkin's own HTTP API (`/_lambkin/…`): `lambkin events --endpoint` and `lambkin env`
 * use it. Requests are SigV4-signed, as the Invoke API's are, with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 * (and AWS_SESSION_TOKEN) when they are set — what a Lambkin with LAMBKIN_ACCESS_KEYS requires — by AWS's own
 * signer (@smithy/signature-v4), for the `lambda` service in AWS_REGION (default us-east-1).
 * The server's refusals come back as Lambkin's coded errors (`{code, message}`); anything that is not an answer
 * of Lambkin's API is LKN_ERR_EVENTS_ENDPOINT.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { NodeSha256 } from "../gateway/invoke-api/sigv4/node-sha256.js";
import { coded, isLambkinCode, type LambkinCode } from "../runtime/errors/lambkin-codes.js";

/** How long one request may take: a list of a thousand 1 MB payloads is a gigabyte. */
const REQUEST_TIMEOUT_MS = 120_000;

/** An error of Lambkin's, as the server or this client reports it: main.ts prints its code and exits 1. */
export class LambkinRemoteError extends Error {
  constructor(
    readonly code: LambkinCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface LambkinApiClient {
  /** The Lambkin it talks to: origin and path prefix. */
  readonly where: string;
  /** `path` is under `/_lambkin`, e.g. `/events/ID`. */
  call<T>(method: string, path: string, query?: Record<string, string>): Promise<T>;
  /**
   * A GET whose answer is a stream of server-sent events (`lambkin logs --follow`): the response once its status is
   * 2xx, its body still coming; a refusal throws as call()'s do. No timeout: it lasts until `signal` aborts.
   */
  stream(path: string, query: Record<string, string>, signal?: AbortSignal): Promise<Response>;
}

export function lambkinApiClient(endpoint: string, env: NodeJS.ProcessEnv = process.env): LambkinApiClient {
  const base = new URL(endpoint);
  const prefix = base.pathname.replace(/\/+$/, "");
  const send = async (
    method: string,
    path: string,
    query: Record<string, string>,
    signal: AbortSignal | undefined,
    accept = "application/json",
  ): Promise<Response> => {
    const url = new URL(base.origin);
    url.pathname = `${prefix}/_lambkin${path}`;
    // encodeURIComponent, not searchParams (which writes a space as `+`): what SigV4 canonicalises.
    url.search = Object.entries(query)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join("&");
    const headers = await signedHeaders(method, url, query, env, accept);
    try {
      return await fetch(url, { method, headers, ...(signal ? { signal } : {}) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new LambkinRemoteError(
        "LKN_ERR_EVENTS_ENDPOINT",
        `cannot reach Lambkin at ${base.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
    }
  };
  const call = async <T>(method: string, path: string, query: Record<string, string> = {}): Promise<T> => {
    const response = await send(method, path, query, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    return answerOf<T>(response, await response.text());
  };
  const answerOf = <T>(response: Response, text: string): T => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw notLambkin(base, response.status, text);
    }
    if (response.ok) return body as T;
    const { code, message } = (body ?? {}) as { code?: unknown; message?: unknown };
    if (!isLambkinCode(code) || typeof message !== "string") throw notLambkin(base, response.status, text);
    throw new LambkinRemoteError(code, coded(code, message), response.status);
  };
  const stream = async (path: string, query: Record<string, string>, signal?: AbortSignal) => {
    const response = await send("GET", path, query, signal, "text/event-stream");
    if (response.ok && (response.headers.get("content-type") ?? "").startsWith("text/event-stream"))
      return response;
    return answerOf<never>(response, await response.text());
  };
  return { where: base.origin + prefix, call, stream };
}

async function signedHeaders(
  method: string,
  url: URL,
  query: Record<string, string>,
  env: NodeJS.ProcessEnv,
  accept: string,
): Promise<Record<string, string>> {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const headers: Record<string, string> = { host: url.host, accept };
  if (!accessKeyId || !secretAccessKey) return headers;
  const signer = new SignatureV4({
    credentials: {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    service: "lambda",
    sha256: NodeSha256,
  });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.host,
    // As sent: the signer escapes it once more, as the server does when it checks (sigv4/signature-check.ts).
    path: url.pathname,
    query,
    headers,
  });
  return signed.headers as Record<string, string>;
}

function notLambkin(base: URL, status: number, text: string): LambkinRemoteError {
  const start = text.slice(0, 200).replace(/\s+/g, " ");
  return new LambkinRemoteError(
    "LKN_ERR_EVENTS_ENDPOINT",
    `${base.origin} did not answer as Lambkin's /_lambkin API (HTTP ${status}: ${JSON.stringify(start)}): is it a Lambkin, and a recent one?`,
  );
}
