// Response streaming handlers (awslambda.streamifyResponse, docs/lambda-behaviour.md §1.3). Lambkin buffers the
// stream and answers once it ends: the bytes written, in order, with the stream's content type;
// awslambda.HttpResponseStream frames a Function-URL response as JSON prelude + 8 NUL bytes + body.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startFixture } from "./harness.js";
import { expectPlatformLines } from "./log-expectations.js";

describe("Node.js response streaming (buffered)", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture("conformance/node");
  });
  afterAll(() => fixture.close());

  it("strings, the event's data and objects (as JSON) are written in order, with the content type set", async () => {
    const result = await fixture.invoke("streaming", { name: "stream" });
    expect(result.functionError).toBeUndefined();
    expect(result.status).toBe("success");
    expect(result.payload.toString("utf8")).toBe('hello stream{"done":true}');
    expect(result.contentType).toBe("text/plain");
    const { during } = expectPlatformLines(result, { coldStart: true });
    expect(during).toEqual([]);
  });

  it("HttpResponseStream: JSON prelude, 8 NUL bytes, then the body", async () => {
    const result = await fixture.invoke("streamingHttp");
    expect(result.functionError).toBeUndefined();
    expect(result.contentType).toBe("application/vnd.awslambda.http-integration-response");
    const prelude = '{"statusCode":201,"headers":{"x-fixture":"streaming-http"}}';
    expect(result.payload).toEqual(
      Buffer.concat([Buffer.from(prelude), Buffer.alloc(8), Buffer.from("<h1>streamed</h1>")]),
    );
  });

  it("a buffered (non-streaming) response is posted as application/json", async () => {
    const result = await fixture.invoke("echo", { a: 1 });
    expect(result.contentType).toBe("application/json");
  });
});
