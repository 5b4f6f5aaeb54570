// With access keys configured, every Lambda API request must carry a valid SigV4 signature from one of them
// (Authorization header, or a presigned URL), dated within 5 minutes of the server's clock; anything else is
// refused with 403 in AWS's format: UnrecognizedClientException, InvalidSignatureException,
// MissingAuthenticationTokenException, IncompleteSignatureException.

import { GetFunctionCommand, InvokeCommand, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeSha256 } from "../../../gateway/invoke-api/sigv4/node-sha256.js";
import {
  type ApiServer,
  INVOKE_API_FIXTURE,
  rejectionOf,
  startApiServer,
  TEST_KEY,
} from "./invoke-api-server.js";

const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

describe("SigV4 authentication", () => {
  let server: ApiServer;
  let host: string;
  beforeAll(async () => {
    server = await startApiServer(
      INVOKE_API_FIXTURE,
      new Map([[TEST_KEY.accessKeyId, TEST_KEY.secretAccessKey]]),
    );
    host = new URL(server.endpoint).host;
  });
  afterAll(() => server.close());

  /** With `applyChecksum`, the signer adds x-amz-content-sha256; without, only the signature covers the body. */
  const signer = (applyChecksum = true) =>
    new SignatureV4({
      credentials: TEST_KEY,
      region: "us-east-1",
      service: "lambda",
      sha256: NodeSha256,
      applyChecksum,
    });

  /** A request signed by the test, sent with fetch (so the test controls every byte). */
  async function signedFetch(path: string, signedBody: string, sentBody = signedBody, applyChecksum = true) {
    const signed = await signer(applyChecksum).sign({
      method: "POST",
      protocol: "http:",
      hostname: host,
      path,
      query: {},
      headers: { host, "content-type": "application/json" },
      body: signedBody,
    });
    return server.fetch(path, { method: "POST", headers: signed.headers, body: sentBody });
  }

  it("accepts requests the SDK signs with a configured key (Invoke, ListFunctions, GetFunction by ARN)", async () => {
    const client = server.client();
    const output = await client.send(
      new InvokeCommand({ FunctionName: "echo", Payload: Buffer.from('{"signed":true}') }),
    );
    expect(Buffer.from(output.Payload ?? new Uint8Array()).toString("utf8")).toBe('{"signed":true}');
    expect((await client.send(new ListFunctionsCommand({}))).Functions?.length).toBeGreaterThan(0);
    const arn = "arn:aws:lambda:us-east-1:000000000000:function:invoke-api-dev-echo:$LATEST";
    expect(
      (await client.send(new GetFunctionCommand({ FunctionName: arn }))).Configuration?.FunctionName,
    ).toBe("invoke-api-dev-echo");
  });

  it("refuses a wrong secret with InvalidSignatureException", async () => {
    const client = server.client({ credentials: { ...TEST_KEY, secretAccessKey: "not-the-secret" } });
    const error = await rejectionOf(client.send(new InvokeCommand({ FunctionName: "echo" })));
    expect(error.name).toBe("InvalidSignatureException");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 403 });
    expect(error.message).toBe(MISMATCH);
  });

  it("refuses an unknown access key with UnrecognizedClientException", async () => {
    const client = server.client({
      credentials: { accessKeyId: "AKIDUNKNOWN000000000", secretAccessKey: "x" },
    });
    const error = await rejectionOf(client.send(new ListFunctionsCommand({})));
    expect(error.name).toBe("UnrecognizedClientException");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 403 });
    expect(error.message).toBe("The security token included in the request is invalid.");
  });

  it("refuses an unsigned request with MissingAuthenticationTokenException", async () => {
    const response = await server.fetch("/2015-03-31/functions/echo/invocations", {
      method: "POST",
      body: "{}",
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({ message: "Missing Authentication Token" });
  });

  it("refuses an Authorization header that is no SigV4 signature with IncompleteSignatureException", async () => {
    const response = await server.fetch("/2015-03-31/functions/", {
      headers: { Authorization: "Bearer abc" },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toBe("IncompleteSignatureException");
    expect(((await response.json()) as { message: string }).message).toBe(
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer abc",
    );
  });

  it("refuses a signature made more than 5 minutes ago, or more than 5 minutes ahead", async () => {
    const late = await rejectionOf(
      server.client({ systemClockOffset: -6 * 60_000 }).send(new ListFunctionsCommand({})),
    );
    expect(late.name).toBe("InvalidSignatureException");
    expect(late.message).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
    const early = await rejectionOf(
      server.client({ systemClockOffset: 6 * 60_000 }).send(new ListFunctionsCommand({})),
    );
    expect(early.name).toBe("InvalidSignatureException");
    expect(early.message).toMatch(
      /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/,
    );
  });

  it("accepts a signature within the 5 minutes of skew", async () => {
    const output = await server.client({ systemClockOffset: -4 * 60_000 }).send(new ListFunctionsCommand({}));
    expect(output.Functions?.length).toBeGreaterThan(0);
  });

  it.each([
    ["the signature alone", false],
    ["the signature and x-amz-content-sha256", true],
  ])("covers the body (%s): a payload changed after signing is refused", async (_how, applyChecksum) => {
    const path = "/2015-03-31/functions/echo/invocations";
    expect((await signedFetch(path, '{"amount":1}', '{"amount":1}', applyChecksum)).status).toBe(200);
    const tampered = await signedFetch(path, '{"amount":1}', '{"amount":1000}', applyChecksum);
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get("x-amzn-errortype")).toBe("InvalidSignatureException");
  });

  it("accepts a presigned URL, and refuses it tampered with or expired", async () => {
    const request = {
      method: "GET",
      protocol: "http:",
      hostname: host,
      path: "/2015-03-31/functions/",
      query: { MaxItems: "2" },
      headers: { host },
    };
    const url = (presigned: { query?: Record<string, string | string[] | null> }) =>
      `${presigned.query ? `?${new URLSearchParams(presigned.query as Record<string, string>)}` : ""}`;
    const good = await signer().presign(request, { expiresIn: 60 });
    const ok = await server.fetch(`/2015-03-31/functions/${url(good)}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { Functions: unknown[] }).Functions).toHaveLength(2);
    const tampered = await server.fetch(
      `/2015-03-31/functions/${url({ query: { ...good.query, MaxItems: "3" } as Record<string, string> })}`,
    );
    expect(tampered.headers.get("x-amzn-errortype")).toBe("InvalidSignatureException");
    const old = await signer().presign(request, {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 120_000),
    });
    const expired = await server.fetch(`/2015-03-31/functions/${url(old)}`);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { message: string }).message).toMatch(
      /^Signature expired: .* - 60 sec\.\)$/,
    );
  });

  it("refuses a presigned URL valid for more than a week (X-Amz-Expires over 604800) with 403, not 500", async () => {
    const request = {
      method: "GET",
      protocol: "http:",
      hostname: host,
      path: "/2015-03-31/functions/",
      query: {},
      headers: { host },
    };
    // The signer itself refuses to presign for more than a week: the client stretches a valid URL afterwards.
    const presigned = await signer().presign(request, { expiresIn: 604800 });
    const query = { ...(presigned.query as Record<string, string>), "X-Amz-Expires": "604801" };
    const response = await server.fetch(`/2015-03-31/functions/?${new URLSearchParams(query)}`);
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toBe("IncompleteSignatureException");
    expect(await response.json()).toEqual({
      message: "X-Amz-Expires must be less than a week (in seconds) that is 604800",
    });
  });

  it("refuses a signature whose SignedHeaders leave out host (it could be replayed against any endpoint)", async () => {
    const path = "/2015-03-31/functions/echo/invocations";
    // Signed without a host header, so the signature covers no host; fetch then sends Host as every client does.
    const signed = await signer().sign({
      method: "POST",
      protocol: "http:",
      hostname: host,
      path,
      query: {},
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(String(signed.headers.authorization)).not.toMatch(/SignedHeaders=[^,]*host/);
    const response = await server.fetch(path, { method: "POST", headers: signed.headers, body: "{}" });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toBe("InvalidSignatureException");
    expect(await response.json()).toEqual({
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    });
  });

  it("authenticates before routing: an unknown operation is 403 unsigned, 404 signed", async () => {
    const unsigned = await server.fetch("/2017-10-31/functions/echo/concurrency", {
      method: "PUT",
      body: "{}",
    });
    expect(unsigned.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    const signed = await signedFetch("/2015-03-31/functions/echo/not-an-operation", "{}");
    expect(signed.status).toBe(404);
    expect(signed.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
  });

  it("leaves the rest of the gateway alone: paths outside the Lambda API need no signature", async () => {
    const response = await server.fetch("/not-a-lambda-api-path");
    expect(response.headers.get("x-amzn-errortype")).toBeNull();
  });
});
