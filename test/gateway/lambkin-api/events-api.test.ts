import { join } from "node:path";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { SignatureV4 } from "@smithy/signature-v4";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../../../gateway/gateway-app.js";
import { NodeSha256 } from "../../../gateway/invoke-api/sigv4/node-sha256.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import type { DeadLetterView } from "../../../triggers/queue/dead-letter-view.js";
import { eventually } from "../../support/eventually.js";
import { runLambkin } from "../../support/run-lambkin.js";
import { type LocalBackend, localBackend } from "../local-backend.js";
import { rawExchange } from "../raw-http.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const SERVICE = join(ROOT, "test", "fixtures", "events");
const KEY = { accessKeyId: "AKIDLAMBKINEVENTS001", secretAccessKey: "events-secret/xyz+789" };

describe("/_lambkin/events with access keys configured", () => {
  let runtime: LambkinRuntime;
  let local: LocalBackend;
  let app: FastifyInstance;
  let endpoint: string;
  let port: number;
  let host: string;

  beforeAll(async () => {
    runtime = await startRuntime({ dir: SERVICE, logger: pino({ level: "silent" }), env: {} });
    local = await localBackend(runtime);
    app = await createGateway({
      backend: local.backend,
      logger: pino({ level: "silent" }),
      accessKeys: new Map([[KEY.accessKeyId, KEY.secretAccessKey]]),
      deadLetters: local.queue.deadLetters,
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    port = typeof address === "object" && address ? address.port : 0;
    endpoint = `http://127.0.0.1:${port}`;
    host = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await app?.close();
    await local?.close();
    await runtime?.close();
  });

  /** A request signed by AWS's signer with `credentials`, as an operator's script would send it. */
  async function signedFetch(method: string, path: string, credentials = KEY): Promise<Response> {
    const [pathname = "", search = ""] = path.split("?");
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of new URLSearchParams(search)) {
      const before = query[name];
      query[name] = before === undefined ? value : [before, value].flat();
    }
    const signer = new SignatureV4({
      credentials,
      region: "eu-west-1",
      service: "lambda",
      sha256: NodeSha256,
    });
    const signed = await signer.sign({
      method,
      protocol: "http:",
      hostname: host,
      path: pathname,
      query,
      headers: { host },
    });
    return fetch(`${endpoint}${path}`, { method, headers: signed.headers });
  }

  async function failedEvent(payload: unknown): Promise<{ requestId: string; letter: DeadLetterView }> {
    const client = new LambdaClient({ endpoint, region: "us-east-1", credentials: KEY });
    const output = await client.send(
      new InvokeCommand({
        FunctionName: "alwaysFails",
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    client.destroy();
    const requestId = output.$metadata.requestId ?? "";
    const letter = await eventually(async () => {
      const response = await signedFetch("GET", "/_lambkin/events");
      expect(response.status).toBe(200);
      const found = ((await response.json()) as DeadLetterView[]).find(
        (view) => view.requestId === requestId,
      );
      if (!found) throw new Error("not dead-lettered yet");
      return found;
    });
    return { requestId, letter };
  }

  it("refuses unsigned and wrongly signed requests with 403 and a code, and purges nothing", async () => {
    const { letter } = await failedEvent({ secret: "card 4111" });
    for (const [method, path] of [
      ["GET", "/_lambkin/events"],
      ["GET", `/_lambkin/events/${letter.id}`],
      ["DELETE", `/_lambkin/events/${letter.id}`],
      ["DELETE", "/_lambkin/events"],
      ["POST", `/_lambkin/events/${letter.id}/redrive`],
      ["GET", "/_lambkin/nothing-here"],
    ] as const) {
      const unsigned = await fetch(`${endpoint}${path}`, { method });
      expect(unsigned.status, `${method} ${path}`).toBe(403);
      expect(await unsigned.json()).toEqual({
        code: "LKN_ERR_ADMIN_UNAUTHENTICATED",
        type: "MissingAuthenticationTokenException",
        message: "Missing Authentication Token",
      });
    }
    const wrongSecret = await signedFetch("DELETE", "/_lambkin/events", { ...KEY, secretAccessKey: "guess" });
    expect(wrongSecret.status).toBe(403);
    expect(await wrongSecret.json()).toMatchObject({
      code: "LKN_ERR_ADMIN_UNAUTHENTICATED",
      type: "InvalidSignatureException",
    });
    const unknownKey = await signedFetch("DELETE", "/_lambkin/events", { ...KEY, accessKeyId: "AKIDNOBODY" });
    expect(await unknownKey.json()).toMatchObject({ type: "UnrecognizedClientException" });
    // Still there, payload and all.
    const shown = await signedFetch("GET", `/_lambkin/events/${letter.id}`);
    expect(shown.status).toBe(200);
    expect(((await shown.json()) as DeadLetterView).payload).toEqual({ secret: "card 4111" });
  });

  it("serves signed requests: show, a filtered list, purge one, purge all", async () => {
    const { letter, requestId } = await failedEvent({ n: 1 });
    await failedEvent({ n: 2 });
    const filtered = await signedFetch("GET", "/_lambkin/events?function=events-dev-alwaysFails&limit=1");
    const views = (await filtered.json()) as DeadLetterView[];
    expect(views).toHaveLength(1);
    const none = await signedFetch("GET", "/_lambkin/events?function=failsUntilFixed");
    expect(await none.json()).toEqual([]);
    const purgeOne = await signedFetch("DELETE", `/_lambkin/events/${letter.id}`);
    expect(await purgeOne.json()).toEqual({ purged: 1 });
    const gone = await signedFetch("GET", `/_lambkin/events/${letter.id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ code: "LKN_ERR_QUEUE_DEAD_LETTER_NOT_FOUND" });
    const left = (await (await signedFetch("GET", "/_lambkin/events")).json()) as DeadLetterView[];
    expect(left.map((view) => view.requestId)).not.toContain(requestId);
    const purgeAll = await signedFetch("DELETE", "/_lambkin/events");
    expect(await purgeAll.json()).toEqual({ purged: left.length });
    expect(await (await signedFetch("GET", "/_lambkin/events")).json()).toEqual([]);
  });

  it("lambkin events --endpoint signs with AWS_ACCESS_KEY_ID, and is refused without it", async () => {
    const { letter } = await failedEvent({ via: "cli" });
    const signed = await lambkin(["events", "show", letter.id, "--json", "--endpoint", endpoint], {
      AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
    });
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(signed.stdout)).toMatchObject({ id: letter.id, payload: { via: "cli" } });
    const unsigned = await lambkin(["events", "purge", "--all", "--endpoint", endpoint], {});
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain("[LKN_ERR_ADMIN_UNAUTHENTICATED] Missing Authentication Token");
    expect((await signedFetch("GET", `/_lambkin/events/${letter.id}`)).status).toBe(200);
    const purged = await lambkin(["events", "purge", letter.id, "--json", "--endpoint", `${endpoint}/`], {
      AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
    });
    expect(purged.code, purged.stderr).toBe(0);
    expect(JSON.parse(purged.stdout)).toEqual({ purged: 1 });
  });

  it("shows a malformed job's dead letter with its raw text, and refuses to redrive it (400)", async () => {
    local.queue.database
      .prepare(
        `INSERT INTO jobs (id, data, state, run_at, enqueued_at, dead_condition, dead_reason, dead_at)
         VALUES ('hostile-job', '{ not json', 'dead', 0, 0, 'MalformedJob', 'not JSON', 1)`,
      )
      .run();
    const shown = (await (await signedFetch("GET", "/_lambkin/events/hostile-job")).json()) as DeadLetterView;
    expect(shown).toMatchObject({
      id: "hostile-job",
      functionName: null,
      requestId: null,
      payload: null,
      payloadFormat: "none",
      raw: "{ not json",
      condition: "MalformedJob",
      attempts: 0,
      errors: [],
    });
    const redrive = await signedFetch("POST", "/_lambkin/events/hostile-job/redrive");
    expect(redrive.status).toBe(400);
    expect(await redrive.json()).toMatchObject({ code: "LKN_ERR_QUEUE_JOB_INVALID" });
    expect((await signedFetch("DELETE", "/_lambkin/events/hostile-job")).status).toBe(200);
  });

  it("answers hostile input with 400s in its own format", async () => {
    const cases: [string, string, number, string][] = [
      ["GET", "/_lambkin/events?limit=0", 400, "limit must be a whole number from 1 to 1000"],
      ["GET", "/_lambkin/events?limit=1001", 400, "limit must be a whole number from 1 to 1000"],
      ["GET", "/_lambkin/events?limit=1e3", 400, "limit must be a whole number"],
      ["GET", "/_lambkin/events?limit=5&limit=6", 400, "limit is given more than once"],
      ["GET", "/_lambkin/events?fn=x", 400, 'unknown parameter "fn"'],
      ["GET", `/_lambkin/events/${"x".repeat(5000)}`, 400, "at most 256 characters (got 5000)"],
      ["GET", "/_lambkin/events/a%00b", 400, "no control characters"],
      ["POST", "/_lambkin/events/some-id", 404, "Lambkin's API has no POST /_lambkin/events/some-id"],
      ["GET", "/_lambkin/events/a/b", 404, "Lambkin's API has no GET"],
      ["PUT", "/_lambkin/events", 404, "Lambkin's API has no PUT"],
      ["POST", "/_lambkin/events/unknown-id/redrive", 404, 'no dead letter has the id "unknown-id"'],
    ];
    for (const [method, path, status, message] of cases) {
      const response = await signedFetch(method, path);
      expect(response.status, `${method} ${path}`).toBe(status);
      const body = (await response.json()) as { code: string; message: string };
      expect(body.message, `${method} ${path}`).toContain(message);
      expect(body.code).toMatch(
        /^LKN_ERR_(ADMIN_REQUEST_INVALID|ADMIN_NOT_FOUND|QUEUE_DEAD_LETTER_NOT_FOUND)$/,
      );
    }
    // Refused before any route runs (fastify's router, Node's parser): still this API's JSON, not API Gateway's.
    const badEncoding = await rawExchange(port, "GET /_lambkin/events/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n")
      .answer;
    expect(badEncoding.status).toBe(400);
    expect(JSON.parse(badEncoding.body)).toMatchObject({ code: "LKN_ERR_ADMIN_REQUEST_INVALID" });
    const hugeUrl = await rawExchange(
      port,
      `GET /_lambkin/events/${"y".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ).answer;
    expect(hugeUrl.status).toBe(414);
    expect(JSON.parse(hugeUrl.body)).toMatchObject({ code: "LKN_ERR_ADMIN_REQUEST_INVALID" });
  });
});

const lambkin = (args: string[], env: NodeJS.ProcessEnv = {}) => runLambkin(args, env);
