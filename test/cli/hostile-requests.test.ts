// No request to any server Lambkin runs can take it down (issue 7). `lambkin dev` runs for real; a batch
// of malformed requests is sent on raw sockets (bad percent-encoding in every path segment, odd ids,
// invalid methods, garbage request lines, header injection, oversized headers, invalid Content-Length,
// chunked garbage, bodies cut short, pipelined junk, half-open connections) at every route of the
// Runtime API — from inside a function, as a hostile function would, to its own environment's
// AWS_LAMBDA_RUNTIME_API — and at the gateway's routes (API Gateway REST and HTTP API routes, the
// Invoke API, the control plane, InvokeAsync, other Lambda API prefixes). Every request that can be
// answered gets a 4xx — in the Runtime API's `{"errorMessage","errorType"}` shape on the Runtime API,
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html — and Lambkin goes on serving.
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DevProcess, startDev } from "./dev-process.js";

interface Shot {
  readonly chunks: string[];
  readonly halfClose?: boolean;
  readonly expect?: number;
  readonly waitMs?: number;
  readonly gapMs?: number;
}
interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}
interface ShotResult {
  readonly ending: string;
  readonly responses: RawResponse[];
}
interface RawHttp {
  send(target: { host: string; port: number }, shot: Shot): Promise<ShotResult>;
}

const rawHttp = createRequire(import.meta.url)("../fixtures/hostile-clients/raw-http.js") as RawHttp;

/** What a shot must get back: `n` 4xx responses (1 by default), or nothing that can be asserted. */
interface Attempt {
  readonly name: string;
  readonly shot: Shot;
  readonly answers: number;
}

const bytes = (text: string | Buffer): string =>
  (typeof text === "string" ? Buffer.from(text, "latin1") : text).toString("base64");

function attempt(
  name: string,
  parts: (string | Buffer)[],
  options: Partial<Shot> & { answers?: number } = {},
) {
  const { answers = 1, ...shot } = options;
  return { name, answers, shot: { chunks: parts.map(bytes), expect: Math.max(answers, 1), ...shot } };
}

/** A request written by hand: `headers` replace the defaults (Host, Content-Length) when given. */
function request(method: string, path: string, body = "", headers?: string[]): string {
  const lines = headers ?? ["Host: lambkin", `Content-Length: ${Buffer.byteLength(body, "latin1")}`];
  return `${method} ${path} HTTP/1.1\r\n${lines.map((line) => `${line}\r\n`).join("")}\r\n${body}`;
}

const BAD_ENCODINGS = ["%E0%A4%A", "%ZZ", "%"];

/** Every way Lambkin's servers must refuse a request to `path` (a route taking `method`). */
function malformedRequests(method: string, path: string): Attempt[] {
  const segments = path.split("/");
  const attempts: Attempt[] = [];
  for (let index = 1; index < segments.length; index++) {
    for (const encoding of BAD_ENCODINGS) {
      const broken = segments.map((segment, i) => (i === index ? encoding : segment)).join("/");
      attempts.push(attempt(`${method} ${broken}`, [request(method, broken, "{}")]));
    }
  }
  const body = '{"a":1}';
  attempts.push(
    attempt(`invalid method on ${path}`, [request("FOO", path, body)]),
    attempt(`method with a space on ${path}`, [request("GE T", path, body)]),
    attempt(`raw NUL in ${path}`, [request(method, `${path}\0x`, body)]),
    attempt(`raw space in ${path}`, [request(method, `${path} x`, body)]),
    attempt(`100 KB URL on ${path}`, [request(method, `${path}?${"q".repeat(100_000)}`, body)]),
    attempt(`20 KB header on ${path}`, [
      request(method, path, body, ["Host: lambkin", `X-Big: ${"b".repeat(20_000)}`, "Content-Length: 7"]),
    ]),
    attempt(`3000 headers on ${path}`, [
      request(method, path, body, [
        "Host: lambkin",
        ...Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`),
        "Content-Length: 7",
      ]),
    ]),
    attempt(`bare CR in a header on ${path}`, [
      request(method, path, body, ["Host: lambkin", "X-Evil: a\rInjected: 1", "Content-Length: 7"]),
    ]),
    attempt(`NUL in a header on ${path}`, [
      request(method, path, body, ["Host: lambkin", "X-Evil: a\0b", "Content-Length: 7"]),
    ]),
    attempt(`header line without a colon on ${path}`, [
      request(method, path, body, ["Host: lambkin", "Injected", "Content-Length: 7"]),
    ]),
    attempt(`space before a header colon on ${path}`, [
      request(method, path, body, ["Host: lambkin", "Content-Length : 7"]),
    ]),
    attempt(`Content-Length abc on ${path}`, [
      request(method, path, body, ["Host: lambkin", "Content-Length: abc"]),
    ]),
    attempt(`Content-Length -1 on ${path}`, [
      request(method, path, body, ["Host: lambkin", "Content-Length: -1"]),
    ]),
    attempt(`two Content-Lengths on ${path}`, [
      request(method, path, body, ["Host: lambkin", "Content-Length: 7", "Content-Length: 3"]),
    ]),
    attempt(`Content-Length and chunked on ${path}`, [
      request(method, path, '7\r\n{"a":1}\r\n0\r\n\r\n', [
        "Host: lambkin",
        "Content-Length: 7",
        "Transfer-Encoding: chunked",
      ]),
    ]),
    attempt(`chunked garbage on ${path}`, [
      request(method, path, "zz\r\nhello\r\n0\r\n\r\n", ["Host: lambkin", "Transfer-Encoding: chunked"]),
    ]),
    attempt(`unknown transfer coding on ${path}`, [
      request(method, path, body, ["Host: lambkin", "Transfer-Encoding: gzip, rot13"]),
    ]),
    attempt(
      `body cut short on ${path}`,
      [request(method, path, "", ["Host: lambkin", "Content-Length: 100"]), "0123456789"],
      {
        halfClose: true,
      },
    ),
    attempt(
      `chunked body cut short on ${path}`,
      [request(method, path, "", ["Host: lambkin", "Transfer-Encoding: chunked"]), "64\r\n0123"],
      { halfClose: true },
    ),
    attempt(`request line cut short on ${path}`, [`${method} ${path.slice(0, 12)}`], { halfClose: true }),
    attempt(`headers cut short on ${path}`, [`${method} ${path} HTTP/1.1\r\nHost: lamb`], {
      halfClose: true,
    }),
    attempt(
      `pipelined junk after a request to a bad path next to ${path}`,
      [`${request("GET", `${path}/nope`)}JUNK JUNK JUNK\r\n\r\n`],
      { answers: 2 },
    ),
  );
  return attempts;
}

/** What any server must refuse, whatever its routes. */
const GARBAGE: Attempt[] = [
  attempt("a garbage request line", ["GARBAGE\r\n\r\n"]),
  attempt("an HTTP/9.9 request", ["GET / HTTP/9.9\r\nHost: lambkin\r\n\r\n"]),
  attempt(
    "a TLS ClientHello",
    [Buffer.from("16030100a5010000a10303000102030405060708090a0b0c0d0e0f", "hex")],
    {
      halfClose: true,
    },
  ),
  attempt("binary junk", [Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256))], {
    halfClose: true,
  }),
  attempt("bare line feeds", ["\n\n\n\nGET\n\n"], { halfClose: true }),
  // A connection that opens and says nothing: nothing to answer, it must only not hurt.
  attempt("a silent half-open connection", [], { halfClose: true, answers: 0, waitMs: 1000 }),
  attempt("a silent connection", [], { answers: 0, waitMs: 1000 }),
];

const RUNTIME = "/2018-06-01/runtime";
const UNKNOWN_ID = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

function runtimeApiBatch(): Attempt[] {
  const odd = [
    ["a huge id", "i".repeat(6000)],
    ["an empty id", ""],
    ["an id with a slash", "a/b"],
    ["an id with an encoded slash", "a%2Fb"],
    ["an id with an encoded NUL", "a%00b"],
    ["an id with encoded CR LF", "a%0D%0AX-Injected:%201"],
    ["an id of dots", "..%2F..%2Fnext"],
  ];
  return [
    ...GARBAGE,
    ...malformedRequests("GET", `${RUNTIME}/invocation/next`),
    ...malformedRequests("POST", `${RUNTIME}/invocation/${UNKNOWN_ID}/response`),
    ...malformedRequests("POST", `${RUNTIME}/invocation/${UNKNOWN_ID}/error`),
    ...malformedRequests("POST", `${RUNTIME}/init/error`),
    ...odd.flatMap(([what, id]) =>
      ["response", "error"].map((kind) =>
        attempt(`/${kind} for ${what}`, [request("POST", `${RUNTIME}/invocation/${id}/${kind}`, "{}")]),
      ),
    ),
    attempt("DELETE /next", [request("DELETE", `${RUNTIME}/invocation/next`)]),
    attempt("GET /response", [request("GET", `${RUNTIME}/invocation/${UNKNOWN_ID}/response`)]),
    attempt("a /response with a bad response mode", [
      request("POST", `${RUNTIME}/invocation/${UNKNOWN_ID}/response`, "{}", [
        "Host: lambkin",
        "Lambda-Runtime-Function-Response-Mode: sideways",
        "Content-Length: 2",
      ]),
    ]),
    attempt("/init/error after init", [request("POST", `${RUNTIME}/init/error`, "{}")]),
    attempt(
      "a body trickled to an unknown id",
      [
        request("POST", `${RUNTIME}/invocation/${UNKNOWN_ID}/response`, "", [
          "Host: lambkin",
          "Content-Length: 5",
        ]),
        "a",
        "b",
      ],
      { gapMs: 200 },
    ),
    // A /next while this environment's invocation is in flight: the invocation goes on, and is not
    // handed to it nor ended by it (the runtime is busy; on Lambda the call would simply wait).
    attempt("a /next while the invocation is in flight", [request("GET", `${RUNTIME}/invocation/next`)], {
      answers: 0,
      waitMs: 1500,
    }),
  ];
}

function gatewayBatch(): Attempt[] {
  return [
    ...GARBAGE,
    ...malformedRequests("POST", "/rest/item"),
    ...malformedRequests("PUT", "/v2/item"),
    ...malformedRequests("POST", "/2015-03-31/functions/echo/invocations"),
    ...malformedRequests("GET", "/2015-03-31/functions/echo/configuration"),
    ...malformedRequests("GET", "/2015-03-31/functions/"),
    ...malformedRequests("POST", "/2014-11-13/functions/echo/invoke-async/"),
    ...malformedRequests("GET", "/2019-09-25/functions/echo/event-invoke-config"),
  ];
}

/** Each answer the attempt could get is a 4xx; where `shape` is given, its body too. */
function checkAnswers(
  attempts: Attempt[],
  results: ShotResult[],
  shape?: (response: RawResponse) => boolean,
): string[] {
  const wrong: string[] = [];
  attempts.forEach((attempt, index) => {
    const result = results[index];
    if (!result) {
      wrong.push(`${attempt.name}: no result`);
      return;
    }
    const statuses = result.responses.map((response) => response.status);
    if (result.responses.length < attempt.answers)
      wrong.push(`${attempt.name}: ${result.responses.length} answer(s) (${statuses}), ${result.ending}`);
    for (const response of result.responses) {
      if (response.status < 400 || response.status > 499)
        wrong.push(`${attempt.name}: status ${response.status} ${response.body.slice(0, 200)}`);
      else if (shape && !shape(response))
        wrong.push(
          `${attempt.name}: ${response.status} not in the Runtime API's shape: ${response.body.slice(0, 200)}`,
        );
    }
  });
  return wrong;
}

function runtimeApiShape(response: RawResponse): boolean {
  if (!response.headers["content-type"]?.startsWith("application/json")) return false;
  try {
    const body = JSON.parse(response.body) as Record<string, unknown>;
    return typeof body.errorMessage === "string" && typeof body.errorType === "string";
  } catch {
    return false;
  }
}

async function invoke(
  dev: DevProcess,
  name: string,
  payload: unknown,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`${dev.url}/2015-03-31/functions/${name}/invocations`, {
    method: "POST",
    body: JSON.stringify(payload),
  });
  return { status: response.status, body: await response.text() };
}

/** Lambkin still runs, and serves a route and an invocation as it did before. */
async function expectStillServing(dev: DevProcess): Promise<void> {
  expect(dev.child.exitCode, dev.output()).toBeNull();
  expect(await invoke(dev, "echo", { still: "here" })).toEqual({ status: 200, body: '{"still":"here"}' });
  const route = await fetch(`${dev.url}/v2/item`, { method: "PUT", body: "x" });
  expect(route.status).toBe(200);
}

describe("hostile requests to every server of `lambkin dev`", () => {
  let dev: DevProcess;
  beforeEach(async () => {
    dev = await startDev("test/fixtures/hostile-clients");
  });
  afterEach(() => {
    dev?.child.kill("SIGKILL");
  });

  it("the Runtime API answers each malformed request from a function with a 4xx in its error shape", async () => {
    const attempts = runtimeApiBatch();
    const answered = await invoke(dev, "attack", { shots: attempts.map((a) => a.shot) }).catch(
      async (error: Error) => ({
        status: 0,
        body: `${error.message}; Lambkin exited (${await dev.exited}):\n${dev.output().slice(-3000)}`,
      }),
    );
    expect(answered.status, answered.body).toBe(200);
    const { results } = JSON.parse(answered.body) as { results: ShotResult[] };
    expect(checkAnswers(attempts, results, runtimeApiShape)).toEqual([]);
    await expectStillServing(dev);
  });

  it("the gateway answers each malformed request with a 4xx", async () => {
    const attempts = gatewayBatch();
    const target = { host: "127.0.0.1", port: dev.port };
    const results = await Promise.all(attempts.map((a) => rawHttp.send(target, a.shot)));
    expect(checkAnswers(attempts, results)).toEqual([]);
    await expectStillServing(dev);
  });
});
