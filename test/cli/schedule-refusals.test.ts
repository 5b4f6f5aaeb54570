// `lambkin invoke` refuses a serverless.yml whose schedule AWS would refuse: exit 2, one line naming the code,
// the file, the key path of the expression and the fix — before any function runs.
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freshStateDir } from "../support/state-dir.js";

const ROOT = join(import.meta.dirname, "..", "..");

function lambkin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin", "lambkin.js"), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: "1", LAMBKIN_STATE_DIR: freshStateDir() },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe("lambkin invoke with an invalid schedule", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function service(events: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "lambkin-schedule-cli-"));
    dirs.push(dir);
    await chmod(dir, 0o755); // readable by the unprivileged user an isolated environment runs as, as on Lambda
    await writeFile(
      join(dir, "serverless.yml"),
      `service: reports\nprovider:\n  name: aws\nfunctions:\n  report:\n    handler: handler.run\n    events:\n${events}`,
    );
    await writeFile(join(dir, "handler.js"), "exports.run = async () => 'ran';\n");
    return dir;
  }

  it.each([
    [
      "      - schedule:\n          rate:\n            - rate(5 minutes)\n            - rate(1 minutes)\n",
      "functions.report.events[0].schedule.rate[1]: rate(1 minutes) has the value 1, so its unit must be singular. Write rate(1 minute).",
    ],
    [
      "      - http: GET /report\n      - schedule: cron(0 10 * * MON *)\n",
      "functions.report.events[1].schedule: cron(0 10 * * MON *) sets both Day-of-month (*) and Day-of-week (MON)",
    ],
    [
      "      - schedule:\n          rate: cron(0 10 * * ?)\n",
      "functions.report.events[0].schedule.rate: cron(0 10 * * ?) has 5 fields",
    ],
  ])("exits 2 naming the key path: %s", async (events, message) => {
    const dir = await service(events);
    const run = await lambkin("invoke", "report", "--dir", dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(
      `error: [LKN_ERR_MANIFEST_SCHEDULE] ${join(dir, "serverless.yml")}: ${message}`,
    );
  });

  it("runs the function when the schedules are valid (and no longer says they are not fired)", async () => {
    const dir = await service("      - schedule: rate(1 minute)\n      - schedule: cron(0 0 ? * 6L *)\n");
    const run = await lambkin("invoke", "report", "--dir", dir);
    expect(run).toMatchObject({ code: 0, stdout: '"ran"\n' });
    expect(run.stderr).not.toContain("[LKN_WRN_MANIFEST_EVENT_NOT_FIRED]");
  });
});
