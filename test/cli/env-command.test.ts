/**
 * `lambkin env` (compiled, as a user runs it) against a real gateway with access keys: it signs its request as
 * `lambkin events` does, prints one `export AWS_ENDPOINT_URL_<SERVICE>=…` line per endpoint Lambkin serves or
 * was given, quoted so that `eval` in a real shell gives back each URL byte for byte — even a hostile one —
 * and a comment for an endpoint Lambkin does not have; refusals and an unreachable Lambkin exit 1 with a code.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportLines } from "../../cli/commands/env.js";
import { createGateway } from "../../gateway/gateway-app.js";
import { type LambkinRuntime, startRuntime } from "../../runtime/lambkin-runtime.js";
import { type LocalBackend, localBackend } from "../gateway/local-backend.js";
import { runLambkin } from "../support/run-lambkin.js";

const ROOT = join(import.meta.dirname, "..", "..");
const SERVICE = join(ROOT, "test", "fixtures", "s3-events");
const KEY = { accessKeyId: "AKIDLAMBKINENVCMD001", secretAccessKey: "env-secret/xyz+456" };
const CREDENTIALS = { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey };
/** What a shell must not run, expand or split: quotes, `$(…)`, backticks, a newline, a glob. */
const PWNED = join(tmpdir(), `lambkin-env-pwned-${process.pid}`);
const HOSTILE_URL = `http://127.0.0.1:9000/it's/$(touch ${PWNED})/\`touch ${PWNED}\`/\n*`;

/** The variables a bash that evals `exports` ends up with, as JSON. */
async function evaluated(exports: string): Promise<Record<string, string | null>> {
  const script =
    'eval "$LAMBKIN_EXPORTS"; node -e \'const names = ["LAMBDA","SQS","SNS","DYNAMODB","KINESIS","S3"]; ' +
    'console.log(JSON.stringify(Object.fromEntries(names.map((n) => [n, process.env["AWS_ENDPOINT_URL_" + n] ?? null]))))\'';
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LAMBKIN_EXPORTS: exports };
  const { stdout } = await promisify(execFile)("bash", ["-c", script], { env });
  return JSON.parse(stdout) as Record<string, string | null>;
}

describe("lambkin env", () => {
  let runtime: LambkinRuntime;
  let local: LocalBackend;
  let app: FastifyInstance;
  let endpoint: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    // The endpoints a Lambkin was given are read from its environment at each request.
    process.env.AWS_ENDPOINT_URL_KINESIS = "http://127.0.0.1:4567";
    process.env.AWS_ENDPOINT_URL_S3 = HOSTILE_URL;
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
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
    endpoint = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(async () => {
    process.env = saved;
    await app?.close();
    await local?.close();
    await runtime?.close();
  });

  it("prints signed-for exports that a shell evaluates back to exactly the URLs", async () => {
    const run = await runLambkin(["env", "--endpoint", endpoint], CREDENTIALS);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`export AWS_ENDPOINT_URL_LAMBDA='${endpoint}'\n`);
    expect(run.stdout).toContain(`export AWS_ENDPOINT_URL_KINESIS='http://127.0.0.1:4567'\n`);
    expect(run.stdout).toContain("# AWS_ENDPOINT_URL_DYNAMODB: Lambkin has no dynamodb endpoint\n");
    expect(await evaluated(run.stdout)).toEqual({
      LAMBDA: endpoint,
      SQS: endpoint,
      SNS: endpoint,
      DYNAMODB: null,
      KINESIS: "http://127.0.0.1:4567",
      S3: HOSTILE_URL,
    });
    expect(existsSync(PWNED)).toBe(false);
  });

  it("quotes every value so that nothing in it is run or expanded", async () => {
    const lines = exportLines({
      lambda: "http://a",
      sqs: "http://a",
      sns: "http://a",
      dynamodb: "'; echo pwned; '",
      kinesis: null,
      s3: "",
    });
    expect(lines).toContain("export AWS_ENDPOINT_URL_DYNAMODB=''\\''; echo pwned; '\\'''\n");
    expect(lines).toContain("# AWS_ENDPOINT_URL_S3: Lambkin has no s3 endpoint\n");
    expect((await evaluated(lines)).DYNAMODB).toBe("'; echo pwned; '");
  });

  it("exits 1 with Lambkin's code when the request is not signed by a known key", async () => {
    const run = await runLambkin(["env", "--endpoint", endpoint]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("LKN_ERR_ADMIN_UNAUTHENTICATED");
  });

  it("exits 1 with a coded message when no Lambkin answers there", async () => {
    // A port that was free a moment ago: nothing listens on it.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const run = await runLambkin(["env", "--endpoint", `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/LKN_ERR_\w+/);
  });

  it("documents itself in --help", async () => {
    const run = await runLambkin(["env", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--endpoint <url>");
    expect(run.stdout).toContain("AWS_ENDPOINT_URL_LAMBDA");
  });
});
