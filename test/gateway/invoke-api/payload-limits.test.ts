// Lambda's payload limits are applied as a body arrives, not after buffering it: an Invoke that declares more than
// 6 MB (1 MB for an Event invocation) gets RequestTooLargeException 413 before sending a byte of its body.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest } from "../raw-http.js";
import { type ApiServer, startApiServer } from "./invoke-api-server.js";

describe("Invoke payload limits", () => {
  let server: ApiServer;
  let port: number;
  beforeAll(async () => {
    server = await startApiServer();
    port = Number(new URL(server.endpoint).port);
  });
  afterAll(() => server.close());

  it.each([
    ["RequestResponse", 6 * 1024 * 1024 + 1, 6 * 1024 * 1024],
    ["Event", 1024 * 1024 + 1, 1024 * 1024],
  ])("refuses a %s body declared over its limit at once, unread", async (type, declared, limit) => {
    const answer = await rawRequest(
      port,
      `POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Invocation-Type: ${type}\r\nContent-Length: ${declared}\r\n\r\n`,
      10_000,
    );
    expect(answer.status).toBe(413);
    expect(answer.headers["x-amzn-errortype"]).toBe("RequestTooLargeException");
    expect(JSON.parse(answer.body)).toEqual({
      Type: "User",
      message: `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
    });
  });
});
