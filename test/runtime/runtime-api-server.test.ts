// The Runtime API of one environment, spoken to over real HTTP (docs/lambda-behaviour.md §1.1, §1.2).
import { request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_RUNTIME_PAYLOAD_BYTES } from "../../runtime/runtime-api/runtime-api-limits.js";
import { type RuntimeApiListener, RuntimeApiServer } from "../../runtime/runtime-api/runtime-api-server.js";

type Heard = [string, ...unknown[]];

/** The raw-socket client of the hostile-client tests (test/fixtures/hostile-clients/raw-http.js). */
const rawHttp = createRequire(import.meta.url)("../fixtures/hostile-clients/raw-http.js") as {
  send(
    target: { host: string; port: number },
    shot: { chunks: string[]; halfClose?: boolean },
  ): Promise<{
    ending: string;
    responses: { status: number; headers: Record<string, string>; body: string }[];
  }>;
};

function recordingListener(heard: Heard[]): RuntimeApiListener {
  return {
    nextRequested: () => heard.push(["next"]),
    response: (id, body, type) => heard.push(["response", id, body.toString(), type]),
    error: (id, type, body) => heard.push(["error", id, type, body.toString()]),
    initError: (type, body) => heard.push(["initError", type, body.toString()]),
    responseTooLarge: (id, size) => heard.push(["tooLarge", id, size]),
  };
}

describe("Runtime API server", () => {
  let heard: Heard[];
  let server: RuntimeApiServer;
  let base: string;

  beforeEach(async () => {
    heard = [];
    server = new RuntimeApiServer(recordingListener(heard));
    base = `http://127.0.0.1:${await server.listen("127.0.0.1")}/2018-06-01/runtime`;
  });
  afterEach(() => server.close());

  const delivery = {
    requestId: "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
    payload: Buffer.from('{"hello":"world"}'),
    deadlineMs: 1542409706888,
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:fn",
    traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
    clientContext: '{"custom":{"a":1}}',
    cognitoIdentity: '{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}',
  };

  it("long-polls /next and hands over the payload with every metadata header", async () => {
    const next = fetch(`${base}/invocation/next`);
    await waitFor(() => heard.length === 1);
    expect(heard).toEqual([["next"]]);
    server.deliver(delivery);
    const response = await next;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"hello":"world"}');
    expect(
      Object.fromEntries(
        [...response.headers].filter(([name]) => name.startsWith("lambda-") || name === "content-type"),
      ),
    ).toEqual({
      "content-type": "application/json",
      "lambda-runtime-aws-request-id": delivery.requestId,
      "lambda-runtime-deadline-ms": "1542409706888",
      "lambda-runtime-invoked-function-arn": delivery.invokedFunctionArn,
      "lambda-runtime-trace-id": delivery.traceId,
      "lambda-runtime-client-context": delivery.clientContext,
      "lambda-runtime-cognito-identity": delivery.cognitoIdentity,
    });
  });

  it("passes a response through byte for byte, whatever its content type, and answers 202", async () => {
    server.deliver(delivery);
    await (await fetch(`${base}/invocation/next`)).text();
    const answer = await fetch(`${base}/invocation/${delivery.requestId}/response`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Echoing request: 'not json'",
    });
    expect(answer.status).toBe(202);
    expect(await answer.json()).toEqual({ status: "OK" });
    expect(heard).toContainEqual([
      "response",
      delivery.requestId,
      "Echoing request: 'not json'",
      "application/x-www-form-urlencoded",
    ]);
  });

  it("refuses a second answer and an unknown request id with InvalidRequestID", async () => {
    server.deliver(delivery);
    await (await fetch(`${base}/invocation/next`)).text();
    const first = await fetch(`${base}/invocation/${delivery.requestId}/response`, {
      method: "POST",
      body: "1",
    });
    expect(first.status).toBe(202);
    for (const id of [delivery.requestId, "someone-else"]) {
      const again = await fetch(`${base}/invocation/${id}/error`, { method: "POST", body: "{}" });
      expect(again.status).toBe(400);
      expect(await again.json()).toEqual({
        errorMessage: "Invalid request ID",
        errorType: "InvalidRequestID",
      });
    }
  });

  it("passes /error bodies and the error-type header through", async () => {
    server.deliver(delivery);
    await (await fetch(`${base}/invocation/next`)).text();
    const body = '{"errorMessage":"boom","errorType":"Error","stackTrace":[]}';
    const answer = await fetch(`${base}/invocation/${delivery.requestId}/error`, {
      method: "POST",
      headers: { "Lambda-Runtime-Function-Error-Type": "Function.Boom" },
      body,
    });
    expect(answer.status).toBe(202);
    expect(heard).toContainEqual(["error", delivery.requestId, "Function.Boom", body]);
  });

  it("answers 413 RequestEntityTooLarge past 6 MiB + 100 bytes and reports the size", async () => {
    server.deliver(delivery);
    await (await fetch(`${base}/invocation/next`)).text();
    const size = MAX_RUNTIME_PAYLOAD_BYTES + 1;
    const answer = await fetch(`${base}/invocation/${delivery.requestId}/response`, {
      method: "POST",
      body: Buffer.alloc(size, 97),
    });
    expect(answer.status).toBe(413);
    expect(await answer.json()).toEqual({
      errorMessage: "Exceeded maximum allowed payload size (6291556 bytes).",
      errorType: "RequestEntityTooLarge",
    });
    expect(heard).toContainEqual(["tooLarge", delivery.requestId, size]);
  });

  it("accepts exactly 6 MiB + 100 bytes", async () => {
    server.deliver(delivery);
    await (await fetch(`${base}/invocation/next`)).text();
    const answer = await fetch(`${base}/invocation/${delivery.requestId}/response`, {
      method: "POST",
      body: Buffer.alloc(MAX_RUNTIME_PAYLOAD_BYTES, 97),
    });
    expect(answer.status).toBe(202);
  });

  it("takes /init/error during init only", async () => {
    const early = await fetch(`${base}/init/error`, {
      method: "POST",
      headers: { "Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError" },
      body: '{"errorType":"Runtime.ImportModuleError","errorMessage":"nope"}',
    });
    expect(early.status).toBe(202);
    expect(heard).toContainEqual([
      "initError",
      "Runtime.ImportModuleError",
      '{"errorType":"Runtime.ImportModuleError","errorMessage":"nope"}',
    ]);
    server.deliver(delivery);
    await (await fetch(`${base}/invocation/next`)).text();
    const late = await fetch(`${base}/init/error`, { method: "POST", body: "{}" });
    expect(late.status).toBe(403);
    expect((await late.json()).errorType).toBe("InvalidStateTransition");
  });
});

describe("Runtime API against hostile requests (issue 7)", () => {
  let heard: Heard[];
  let server: RuntimeApiServer;
  let port: number;
  let base: string;

  beforeEach(async () => {
    heard = [];
    server = new RuntimeApiServer(recordingListener(heard));
    port = await server.listen("127.0.0.1");
    base = `http://127.0.0.1:${port}/2018-06-01/runtime`;
  });
  afterEach(() => server.close());

  const requestId = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
  const delivery = {
    requestId,
    payload: Buffer.from("{}"),
    deadlineMs: 1542409706888,
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:fn",
    traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
  };
  const send = (text: string, halfClose = false) =>
    rawHttp.send(
      { host: "127.0.0.1", port },
      { chunks: [Buffer.from(text, "latin1").toString("base64")], halfClose },
    );

  it("answers a malformed percent-encoded request id with 400 InvalidRequestID", async () => {
    const answer = await fetch(`${base}/invocation/%E0%A4%A/response`, { method: "POST", body: "{}" });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({
      errorMessage: "Invalid request ID",
      errorType: "InvalidRequestID",
    });
  });

  it("answers a known path with the wrong method 405 MethodNotAllowed", async () => {
    const answer = await fetch(`${base}/invocation/next`, { method: "DELETE" });
    expect(answer.status).toBe(405);
    expect(answer.headers.get("allow")).toBe("GET");
    expect((await answer.json()).errorType).toBe("MethodNotAllowed");
  });

  it("answers a request node's parser refuses, and one cut short, in the Runtime API's error shape", async () => {
    const garbage = await send("GARBAGE\r\n\r\n");
    expect(garbage.responses).toMatchObject([
      { status: 400, headers: { "content-type": "application/json" } },
    ]);
    expect(JSON.parse(garbage.responses[0]?.body ?? "")).toEqual({
      errorMessage: "Malformed HTTP request (HPE_INVALID_METHOD)",
      errorType: "InvalidRequest",
    });
    const cut = await send("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x", true);
    expect(cut.responses.map((response) => JSON.parse(response.body))).toEqual([
      { errorMessage: "HTTP request detected as truncated", errorType: "TruncatedHTTPRequest" },
    ]);
    const huge = await send(
      `GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nX: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expect(huge.responses.map((response) => response.status)).toEqual([431]);
  });

  it("refuses the current invocation's answer with a garbled chunked body; the runtime may answer again", async () => {
    server.deliver(delivery);
    await (await fetch(`${base}/invocation/next`)).text();
    const garbled = await send(
      `POST /2018-06-01/runtime/invocation/${requestId}/response HTTP/1.1\r\nHost: x\r\n` +
        "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    );
    expect(
      garbled.responses.map((response) => [response.status, JSON.parse(response.body).errorType]),
    ).toEqual([[400, "InvalidRequest"]]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).toEqual([]);
    // Still unanswered: a /next does not end it, a proper answer does.
    const stray = fetch(`${base}/invocation/next`).then(
      (response) => response.status,
      () => 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).toEqual([]);
    const answer = await fetch(`${base}/invocation/${requestId}/response`, { method: "POST", body: "ok" });
    expect(answer.status).toBe(202);
    expect(heard).toEqual([["response", requestId, "ok", "text/plain;charset=UTF-8"]]);
    server.close();
    await stray;
  });

  it("a /next while an invocation is delivered and unanswered neither ends it nor reports the runtime ready", async () => {
    server.deliver(delivery);
    await (await fetch(`${base}/invocation/next`)).text();
    expect(heard).toEqual([]);
    const stray = fetch(`${base}/invocation/next`).then(
      (response) => response.status,
      () => 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard).toEqual([]); // the environment must not be frozen and handed an event mid-invocation
    const answer = await fetch(`${base}/invocation/${requestId}/response`, { method: "POST", body: "1" });
    expect(answer.status).toBe(202);
    expect(heard).toEqual([["response", requestId, "1", "text/plain;charset=UTF-8"]]);
    // The runtime's own /next after answering takes the stray one's place, which gets an answer.
    const own = fetch(`${base}/invocation/next`);
    expect(await stray).toBe(403);
    await waitFor(() => heard.length === 2);
    expect(heard[1]).toEqual(["next"]);
    server.deliver({ ...delivery, requestId: "third" });
    expect((await own).status).toBe(200);
  });
});

describe("Runtime API restricted to its environment's address", () => {
  it("serves only the peer it is restricted to", async () => {
    const heard: Heard[] = [];
    const server = new RuntimeApiServer(recordingListener(heard));
    const port = await server.listen("0.0.0.0");
    server.restrictTo("127.0.0.2");
    try {
      const from = (localAddress: string) => getStatus(port, localAddress);
      const stranger = await from("127.0.0.1");
      expect(stranger).toEqual({
        status: 403,
        body: { errorMessage: "Not this environment's Runtime API", errorType: "AccessDenied" },
      });
      expect(heard).toEqual([]);
      const own = from("127.0.0.2");
      await waitFor(() => heard.length === 1);
      expect(heard).toEqual([["next"]]);
      server.close();
      await own.catch(() => undefined);
    } finally {
      server.close();
    }
  });
});

/** GET /next from a given local address (Linux routes all of 127.0.0.0/8 to loopback). */
function getStatus(port: number, localAddress: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: "127.0.0.1", port, localAddress, path: "/2018-06-01/runtime/invocation/next" },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    request.on("error", reject);
    request.end();
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("Runtime API restricted to its environment's user", () => {
  // The connections below are this test's own (root's): the owner of a client socket, from /proc/net/tcp.
  const ownUid = process.getuid?.() ?? 0;

  it("refuses a connection another user opened, with the Runtime API's error shape", async () => {
    const heard: Heard[] = [];
    const server = new RuntimeApiServer(recordingListener(heard));
    const port = await server.listen("127.0.0.1");
    server.restrictToUid(ownUid + 1);
    try {
      expect(await getStatus(port, "127.0.0.1")).toEqual({
        status: 403,
        body: { errorMessage: "Not this environment's Runtime API", errorType: "AccessDenied" },
      });
      expect(heard).toEqual([]);
    } finally {
      server.close();
    }
  });

  it("serves the user it is restricted to, on every request of a kept-alive connection", async () => {
    const heard: Heard[] = [];
    const server = new RuntimeApiServer(recordingListener(heard));
    const port = await server.listen("127.0.0.1");
    server.restrictToUid(ownUid);
    const base = `http://127.0.0.1:${port}/2018-06-01/runtime`;
    try {
      const next = fetch(`${base}/invocation/next`);
      await waitFor(() => heard.length === 1);
      server.deliver(anyDelivery("r1"));
      expect((await next).status).toBe(200);
      const answer = await fetch(`${base}/invocation/r1/response`, { method: "POST", body: '"ok"' });
      expect(answer.status).toBe(202);
      expect(heard).toEqual([["next"], ["response", "r1", '"ok"', "text/plain;charset=UTF-8"]]);
    } finally {
      server.close();
    }
  });
});

function anyDelivery(requestId: string) {
  return {
    requestId,
    payload: Buffer.from("{}"),
    deadlineMs: Date.now() + 1000,
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:fn",
    traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
  };
}

describe("Runtime API of a Managed Instances environment (maxConcurrency 2)", () => {
  let heard: Heard[];
  let server: RuntimeApiServer;
  let base: string;
  const invocation = (requestId: string) => ({
    requestId,
    payload: Buffer.from(JSON.stringify({ requestId })),
    deadlineMs: Date.now() + 1000,
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:fn",
    traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
  });
  const post = (id: string) =>
    fetch(`${base}/invocation/${id}/response`, { method: "POST", body: `"${id}"` }).then((r) => r.status);

  beforeEach(async () => {
    heard = [];
    server = new RuntimeApiServer(recordingListener(heard), 2);
    base = `http://127.0.0.1:${await server.listen("127.0.0.1")}/2018-06-01/runtime`;
  });
  afterEach(() => server.close());

  it("keeps two /next calls waiting, delivers one invocation to each, and takes both answers in any order", async () => {
    const first = fetch(`${base}/invocation/next`);
    const second = fetch(`${base}/invocation/next`);
    await waitFor(() => heard.length === 2);
    server.deliver(invocation("a"));
    server.deliver(invocation("b"));
    const ids = await Promise.all(
      [first, second].map(async (r) => JSON.parse(await (await r).text()).requestId),
    );
    expect(ids.sort()).toEqual(["a", "b"]);
    expect(await post("b")).toBe(202);
    expect(await post("a")).toBe(202);
    expect(await post("a")).toBe(400); // answered already
    expect(heard.filter(([kind]) => kind === "response").map(([, id]) => id)).toEqual(["b", "a"]);
  });

  it("a third /next takes the place of the oldest (403), as a second one does on Lambda", async () => {
    const oldest = fetch(`${base}/invocation/next`);
    await waitFor(() => heard.length === 1);
    const others = [fetch(`${base}/invocation/next`)];
    await waitFor(() => heard.length === 2);
    others.push(fetch(`${base}/invocation/next`));
    expect((await oldest).status).toBe(403);
    server.deliver(invocation("c"));
    server.deliver(invocation("d"));
    expect((await Promise.all(others)).map((r) => r.status)).toEqual([200, 200]);
  });

  it("an invocation withdrawn before delivery is never delivered; withdrawn after, its answer is refused", async () => {
    server.deliver(invocation("timed-out-waiting"));
    server.withdraw("timed-out-waiting");
    server.deliver(invocation("delivered"));
    const next = await fetch(`${base}/invocation/next`);
    expect(JSON.parse(await next.text()).requestId).toBe("delivered");
    server.withdraw("delivered");
    expect(await post("delivered")).toBe(400);
  });
});
