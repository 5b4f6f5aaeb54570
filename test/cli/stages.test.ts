// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Serverless Framework variables, not templates
/**
 * Two stages of one service side by side, from one working directory, as real `lambkin dev` processes
 * (`--stage dev` and `--stage prod`, no --state): each loads its own `.env.<stage>`, `${ssm:…}` parameter and
 * `${file(./config/<stage>.yml)}`, keeps its own state folder (`.lambkin/stages/<stage>/`) and its own queue, and
 * its own concurrency limits — with the embedded queue and with REDIS_URL (a real redis-server, no prefix set).
 */
import type { ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../bench/redis-server.js";
import { eventually } from "../support/eventually.js";
import { runLambkin } from "../support/run-lambkin.js";
import { spawnLambkin, untilReady } from "./cluster-process.js";

interface Stage {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  readonly exited: Promise<number | string>;
}

const roots: string[] = [];
const running: Stage[] = [];
afterEach(async () => {
  for (const stage of running.splice(0)) {
    if (stage.child.exitCode === null && stage.child.signalCode === null) stage.child.kill("SIGTERM");
    await stage.exited;
  }
});
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A working directory holding one service, with a .env file, a config file and a parameter per stage. */
function workingDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), "lambkin-stages-e2e-"));
  roots.push(dir);
  const files: Record<string, string> = {
    "serverless.yml": [
      "service: stages-e2e",
      "useDotenv: true",
      "provider:",
      "  name: aws",
      "  runtime: nodejs20.x",
      "  environment:",
      "    GREETING: ${env:GREETING}",
      "    DB: ${ssm:/stages-e2e/${sls:stage}/db}",
      "    SIZE: ${file(./config/${sls:stage}.yml):size}",
      "    HOLD_URL: ${env:HOLD_URL}",
      "functions:",
      "  hello:",
      "    handler: handler.hello",
      "    events:",
      "      - httpApi: GET /hello",
      "  slow:",
      "    handler: handler.slow",
      "    reservedConcurrency: 1",
      "    timeout: 60",
      "",
    ].join("\n"),
    "handler.js": [
      "exports.hello = async (event, context) => {",
      "  if (event.mark) console.log(`MARK ${context.functionName} ${event.mark}`);",
      "  const { GREETING, DB, SIZE } = process.env;",
      "  return { name: context.functionName, GREETING, DB, SIZE };",
      "};",
      "// Held until the test answers: only /tmp is writable in an environment, as on Lambda, so no files.",
      "exports.slow = async (event) => {",
      "  if (event.hold) await (await fetch(process.env.HOLD_URL)).text();",
      "  return 'done';",
      "};",
      "",
    ].join("\n"),
    ".env": "GREETING=from-.env\n",
    ".env.dev": "GREETING=hello-dev\n",
    ".env.prod": "GREETING=hello-prod\n",
    "config/dev.yml": "size: small\n",
    "config/prod.yml": "size: large\n",
    "lambkin-parameters.yml":
      "ssm:\n  /stages-e2e/dev/db: postgres://dev\n  /stages-e2e/prod/db: postgres://prod\n",
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  // Lambda's modes: the code readable by the unprivileged user functions run as.
  chmodSync(dir, 0o755);
  chmodSync(join(dir, "config"), 0o755);
  return dir;
}

/** `lambkin dev --dir . --stage <stage> --port 0` in `cwd`, with no state folder chosen. */
async function startStage(cwd: string, stage: string, env: NodeJS.ProcessEnv = {}): Promise<Stage> {
  await hold.ready;
  const spawned = spawnLambkin(
    ["dev", "--dir", ".", "--stage", stage, "--port", "0", "--log-format", "pretty"],
    {
      cwd,
      env: {
        LAMBKIN_STATE_DIR: "",
        LAMBKIN_REDIS_PREFIX: "",
        REDIS_URL: "",
        HOLD_URL: hold.url,
        ...env,
      },
    },
  );
  const url = await untilReady(spawned, /ready on (http:\/\/[\d.]+:\d+)/, `lambkin dev --stage ${stage}`);
  const started = { ...spawned, url };
  running.push(started);
  return started;
}

/** Every event ran in its own stage's process, and only there. */
async function everyMarkRan(stages: Record<string, Stage>, marks: string[]): Promise<void> {
  await eventually(async () => {
    for (const [stage, process] of Object.entries(stages))
      for (const mark of marks)
        if (!process.output().includes(`MARK stages-e2e-${stage}-hello ${mark}`))
          throw new Error(`${stage} ${mark} has not run`);
  });
  for (const [stage, process] of Object.entries(stages))
    for (const [other] of Object.entries(stages))
      if (other !== stage) expect(process.output()).not.toContain(`stages-e2e-${other}-`);
}

/** An HTTP endpoint a function's request waits on until the test releases it. */
function holdServer() {
  let waiting: ServerResponse[] = [];
  let notify: (() => void) | undefined;
  const server = createServer((_request, response) => {
    waiting.push(response);
    notify?.();
  });
  const ready = new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    ready,
    get url() {
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hold`;
    },
    entered: () =>
      new Promise<void>((resolve) => {
        if (waiting.length > 0) resolve();
        else notify = resolve;
      }),
    release() {
      for (const response of waiting) response.end("released");
      waiting = [];
      notify = undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
const hold = holdServer();
afterAll(() => hold.close());

function invoke(stage: Stage, name: string, payload: unknown, type?: "Event"): Promise<Response> {
  return fetch(`${stage.url}/2015-03-31/functions/${name}/invocations`, {
    method: "POST",
    headers: type ? { "X-Amz-Invocation-Type": type } : {},
    body: JSON.stringify(payload),
  });
}

/** dev's `slow` is held at its reserved concurrency of 1: dev is throttled, prod is not. */
async function expectSeparateLimits(dev: Stage, prod: Stage): Promise<void> {
  const held = invoke(dev, "stages-e2e-dev-slow", { hold: true });
  await hold.entered();
  const throttled = await invoke(dev, "stages-e2e-dev-slow", { hold: false });
  expect(throttled.status).toBe(429);
  expect(await throttled.json()).toMatchObject({
    Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
  });
  const other = await invoke(prod, "stages-e2e-prod-slow", { hold: false });
  expect({ status: other.status, body: await other.text() }).toEqual({ status: 200, body: '"done"' });
  hold.release();
  expect(await (await held).text()).toBe('"done"');
}

describe("two stages of one service side by side", () => {
  it("each with its .env.<stage>, parameters, config file, state folder, queue and limits", async () => {
    const cwd = workingDirectory();
    // SMTP on its default port (1025, as a user runs it): the second stage finds it taken and takes a free one.
    const dev = await startStage(cwd, "dev", { LAMBKIN_SMTP_PORT: "" });
    const prod = await startStage(cwd, "prod", { LAMBKIN_SMTP_PORT: "" });
    expect(prod.output()).toContain(
      "[LKN_WRN_STAND_IN_PORT_MOVED] port 1025, the default of LAMBKIN_SMTP_PORT, is taken",
    );
    expect(prod.output()).toMatch(/mail: SMTP on 127\.0\.0\.1:(?!1025\b)\d+/);
    const hello = async (stage: Stage) => {
      const body = await (await fetch(`${stage.url}/hello`)).json();
      if (body.message) throw new Error(stage.output());
      return body;
    };
    expect(await hello(dev)).toEqual({
      name: "stages-e2e-dev-hello",
      GREETING: "hello-dev",
      DB: "postgres://dev",
      SIZE: "small",
    });
    expect(await hello(prod)).toEqual({
      name: "stages-e2e-prod-hello",
      GREETING: "hello-prod",
      DB: "postgres://prod",
      SIZE: "large",
    });
    // Each stage's queue is its own: every event runs in its stage, none is dead-lettered by the other.
    for (const mark of ["1", "2", "3"]) {
      expect((await invoke(dev, "stages-e2e-dev-hello", { mark }, "Event")).status).toBe(202);
      expect((await invoke(prod, "stages-e2e-prod-hello", { mark }, "Event")).status).toBe(202);
    }
    await everyMarkRan({ dev, prod }, ["1", "2", "3"]);
    for (const stage of ["dev", "prod"]) {
      expect(existsSync(join(cwd, ".lambkin", "stages", stage, "async-invocations.sqlite"))).toBe(true);
      const letters = await runLambkin([
        "events",
        "list",
        "--json",
        "--stage",
        stage,
        "--endpoint",
        stage === "dev" ? dev.url : prod.url,
      ]);
      expect(letters.code).toBe(0);
      expect(JSON.parse(letters.stdout)).toEqual([]);
    }
    await expectSeparateLimits(dev, prod);
  }, 120_000);

  it("with REDIS_URL and no prefix set: each stage its own queue and concurrency caps in the one Redis", async () => {
    const redis: RedisServer = await startRedisServer();
    try {
      const cwd = workingDirectory();
      const env = { REDIS_URL: redis.url };
      const [dev, prod] = await Promise.all([startStage(cwd, "dev", env), startStage(cwd, "prod", env)]);
      for (const mark of ["1", "2"]) {
        expect((await invoke(dev, "stages-e2e-dev-hello", { mark }, "Event")).status).toBe(202);
        expect((await invoke(prod, "stages-e2e-prod-hello", { mark }, "Event")).status).toBe(202);
      }
      await everyMarkRan({ dev, prod }, ["1", "2"]);
      for (const stage of ["dev", "prod"]) {
        const letters = await runLambkin(["events", "list", "--json", "--stage", stage], {
          ...env,
          LAMBKIN_REDIS_PREFIX: "",
        });
        expect(letters.code).toBe(0);
        expect(JSON.parse(letters.stdout)).toEqual([]);
      }
      await expectSeparateLimits(dev, prod);
      // Each stage under its own key prefix: a queue or a topic of the same name in both stages stays two.
      const client = new Redis(redis.url);
      try {
        const keys = await client.keys("lambkin*");
        expect(keys.some((key) => key.startsWith("lambkin:stage:dev:"))).toBe(true);
        expect(keys.some((key) => key.startsWith("lambkin:stage:prod:"))).toBe(true);
        expect(keys.filter((key) => !key.startsWith("lambkin:stage:"))).toEqual([]);
      } finally {
        client.disconnect();
      }
    } finally {
      for (const stage of running.splice(0)) {
        stage.child.kill("SIGTERM");
        await stage.exited;
      }
      await redis.dispose();
    }
  }, 120_000);

  it("lambkin invoke --stage reads that stage's .env, parameter and config file, or names what is missing", async () => {
    const cwd = workingDirectory();
    const prod = await runLambkin(["invoke", "hello", "--dir", cwd, "--stage", "prod"], {
      HOLD_URL: hold.url,
    });
    expect(prod.stderr).not.toContain("LKN_ERR");
    expect(JSON.parse(prod.stdout)).toEqual({
      name: "stages-e2e-prod-hello",
      GREETING: "hello-prod",
      DB: "postgres://prod",
      SIZE: "large",
    });
    // A stage with no parameter in the file: a coded error naming the parameter and the file to put it in.
    const qa = await runLambkin(["invoke", "hello", "--dir", cwd, "--stage", "qa"], { HOLD_URL: hold.url });
    expect(qa.code).toBe(2);
    expect(qa.stderr).toContain("[LKN_ERR_MANIFEST_SSM_PARAMETER]");
    expect(qa.stderr).toContain(
      `the parameter /stages-e2e/qa/db is not in ${join(cwd, "lambkin-parameters.yml")}`,
    );
  }, 60_000);

  it("refuses a --stage that is not a plain name (it names a folder)", async () => {
    const run = await runLambkin(["dev", "--dir", "functions", "--stage", "../x", "--port", "0"], {
      LAMBKIN_STATE_DIR: "",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("[LKN_ERR_CONFIG_INVALID] --stage must be 1–64 letters, digits, - or _");
  });
});
