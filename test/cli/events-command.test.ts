import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeadLetterView } from "../../triggers/queue/dead-letter-view.js";
import { eventually } from "../support/eventually.js";
import { runLambkin } from "../support/run-lambkin.js";
import { freshStateDir } from "../support/state-dir.js";
import { type DevProcess, ROOT, startDev } from "./dev-process.js";

const lambkin = (args: string[], env: NodeJS.ProcessEnv = {}) => runLambkin(args, env);

describe("lambkin events on lambkin dev's embedded queue", () => {
  let service: string;
  let stateDir: string;
  let dev: DevProcess | undefined;
  let url: string;
  /** The environment of a `lambkin events` run beside the dev: same state folder, its port. */
  let beside: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // A copy of the fixture: the test "fixes" failsUntilFixed by writing a file into its service folder.
    service = mkdtempSync(join(tmpdir(), "lambkin-events-service-"));
    cpSync(join(ROOT, "test", "fixtures", "events"), service, { recursive: true });
    chmodSync(service, 0o755); // readable by an isolated environment's user
    stateDir = freshStateDir();
    dev = await startDev(service, { LAMBKIN_STATE_DIR: stateDir, LAMBKIN_ASYNC_RETRY_DELAYS: "0" });
    url = dev.url;
    beside = { LAMBKIN_STATE_DIR: stateDir, PORT: String(dev.port) };
  }, 60_000);

  afterAll(async () => {
    if (dev?.child.exitCode === null) {
      dev.child.kill("SIGTERM");
      await dev.exited;
    }
    rmSync(service, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function invokeEvent(functionName: string, payload: unknown): Promise<string> {
    const client = new LambdaClient({
      endpoint: url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDUNCHECKED", secretAccessKey: "unchecked" },
    });
    const output = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    client.destroy();
    expect(output.StatusCode).toBe(202);
    return output.$metadata.requestId ?? "";
  }

  async function deadLetterOf(requestId: string): Promise<DeadLetterView> {
    return eventually(async () => {
      const response = await fetch(`${url}/_lambkin/events`);
      const found = ((await response.json()) as DeadLetterView[]).find(
        (view) => view.requestId === requestId,
      );
      if (!found) throw new Error(`no dead letter for ${requestId} yet`);
      return found;
    });
  }

  let failed: { requestId: string; letter: DeadLetterView };

  it("keeps a failed event with its payload, every attempt's error and request id", async () => {
    const requestId = await invokeEvent("alwaysFails", { order: 42, note: "ünïcode" });
    const letter = await deadLetterOf(requestId);
    failed = { requestId, letter };
    expect(letter).toMatchObject({
      functionName: "events-dev-alwaysFails",
      requestId,
      condition: "RetriesExhausted",
      reason: "all 2 attempts failed",
      attempts: 2,
      payload: { order: 42, note: "ünïcode" },
      payloadFormat: "json",
      source: "invoke-api",
    });
    expect(letter.errors).toEqual(
      [1, 2].map((attempt) => ({
        attempt,
        requestId, // Lambda keeps the event's request id for every retry
        errorType: "PaymentDeclined",
        errorMessage: 'declined: {"order":42,"note":"ünïcode"}',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      })),
    );
    expect(Date.parse(letter.enqueuedAt ?? "")).toBeLessThanOrEqual(Date.parse(letter.deadLetteredAt));
    const one = await fetch(`${url}/_lambkin/events/${letter.id}`);
    expect(await one.json()).toEqual(letter);
    // The warning reaches the output in a batch, after the dead letter is stored (cli/batched-output.ts).
    await eventually(async () => expect(dev?.output()).toContain(`lambkin events show ${letter.id}`));
  });

  it("lambkin events list --json asks the running dev when its state folder is locked, and says so", async () => {
    const run = await lambkin(["events", "list", "--json"], beside);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`the state folder ${stateDir} is locked by a running Lambkin`);
    expect(run.stderr).toContain(`http://127.0.0.1:${dev?.port}`);
    expect(JSON.parse(run.stdout)).toEqual([failed.letter]);
  });

  it("lambkin events list --json --endpoint URL asks that Lambkin", async () => {
    const run = await lambkin(["events", "list", "--json", "--endpoint", url], {
      LAMBKIN_STATE_DIR: freshStateDir(),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual([failed.letter]);
  });

  it("prints a table, and shows the payload pretty with each attempt's error", async () => {
    const list = await lambkin(["events", "list"], beside);
    expect(list.stdout).toMatch(/ID\s+FUNCTION\s+CONDITION\s+ATTEMPTS\s+DEAD-LETTERED\s+LAST ERROR/);
    expect(list.stdout).toContain(failed.letter.id);
    expect(list.stdout).toContain("1 dead letter, oldest first");
    const show = await lambkin(["events", "show", failed.letter.id], beside);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('{\n  "order": 42,\n  "note": "ünïcode"\n}');
    expect(show.stdout).toContain(`#1 ${failed.letter.errors[0]?.at} request ${failed.requestId}`);
    expect(show.stdout).toContain(`#2 ${failed.letter.errors[1]?.at} request ${failed.requestId}`);
    expect(show.stdout).toContain("PaymentDeclined: declined:");
  });

  it("exits 1 with the code for an unknown id, 2 for bad usage", async () => {
    const unknown = await lambkin(["events", "show", "no-such-id"], beside);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      '[LKN_ERR_QUEUE_DEAD_LETTER_NOT_FOUND] no dead letter has the id "no-such-id"',
    );
    const http = await fetch(`${url}/_lambkin/events/no-such-id`, { method: "DELETE" });
    expect(http.status).toBe(404);
    expect(await http.json()).toEqual({
      code: "LKN_ERR_QUEUE_DEAD_LETTER_NOT_FOUND",
      message: 'no dead letter has the id "no-such-id"',
    });
    for (const args of [
      ["events", "purge"],
      ["events", "purge", "x", "--all"],
      ["events", "list", "--limit", "0"],
      ["events", "show", "x".repeat(300)],
      ["events", "list", "--endpoint", "ftp://host"],
      ["events", "redrive"],
    ]) {
      const run = await lambkin(args, beside);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toContain("LKN_ERR_CLI_USAGE");
    }
    // Nothing was purged by the refused `purge`.
    expect((await fetch(`${url}/_lambkin/events/${failed.letter.id}`)).status).toBe(200);
  });

  it("does not hand a user's route under /_lambkin the request, and warns about it", async () => {
    expect(dev?.output()).toContain("[LKN_WRN_GATEWAY_ROUTE_RESERVED] GET /_lambkin/events (events)");
    const response = await fetch(`${url}/_lambkin/events`);
    expect(await response.text()).not.toContain("user route");
  });

  it("redrives a dead letter as a new event that runs with a new request id", async () => {
    const requestId = await invokeEvent("failsUntilFixed", { retry: "me" });
    const letter = await deadLetterOf(requestId);
    expect(letter).toMatchObject({ condition: "RetriesExhausted", attempts: 1 });
    expect(letter.errors[0]).toMatchObject({ errorType: "Error", errorMessage: "not fixed yet", requestId });
    writeFileSync(join(service, "fixed"), "");
    const run = await lambkin(["events", "redrive", letter.id, "--json"], beside);
    expect(run.code, run.stderr).toBe(0);
    const redriven = JSON.parse(run.stdout) as { id: string; jobId: string };
    expect(redriven.id).toBe(letter.id);
    expect(redriven.jobId).not.toBe(letter.id);
    const line = await eventually(async () => {
      const found = /FIXED-RUN (\S+) \{"retry":"me"\}/.exec(dev?.output() ?? "");
      if (!found) throw new Error("not run again yet");
      return found;
    });
    expect(line[1]).not.toBe(requestId);
    expect((await fetch(`${url}/_lambkin/events/${letter.id}`)).status).toBe(404);
  });

  it("keeps dead letters across a restart: read straight from the state folder once dev stops", async () => {
    const second = await invokeEvent("alwaysFails", { order: 43 });
    await deadLetterOf(second);
    dev?.child.kill("SIGTERM");
    await dev?.exited;
    const run = await lambkin(["events", "list", "--json", "--state", stateDir], {});
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    const views = JSON.parse(run.stdout) as DeadLetterView[];
    expect(views.map((view) => view.requestId)).toEqual([failed.requestId, second]);
    expect(views[0]).toEqual(failed.letter);
  });

  it("purges one, then every one with --all, straight in the state folder", async () => {
    const one = await lambkin(["events", "purge", failed.letter.id, "--state", stateDir], {});
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain("purged 1 dead letter");
    const all = await lambkin(["events", "purge", "--all", "--json", "--state", stateDir], {});
    expect(JSON.parse(all.stdout)).toEqual({ purged: 1 });
    const empty = await lambkin(["events", "list", "--json", "--state", stateDir], {});
    expect(JSON.parse(empty.stdout)).toEqual([]);
  });
});
