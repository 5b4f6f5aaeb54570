// Lambkin's own errors and warnings show their catalogue code where a person reads them: at the start of the
// CLI's error line, and in each warning's log line (`[LKN_WRN_…]` in text, a `code` field in JSON logs).
import { execFile, spawn } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshStateDir } from "../support/state-dir.js";

const ROOT = join(import.meta.dirname, "..", "..");
const HELLO = join(ROOT, "functions", "hello");

function lambkin(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin", "lambkin.js"), ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", LAMBKIN_STATE_DIR: freshStateDir(), ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe("coded messages", () => {
  let service: string;
  beforeAll(async () => {
    service = await mkdtemp(join(tmpdir(), "lambkin-coded-"));
    await chmod(service, 0o755); // an isolated environment's user must be able to read the code (755, as on Lambda)
    await writeFile(join(service, "handler.js"), "exports.hello = async () => 'hello';\n");
    await writeFile(
      join(service, "serverless.yml"),
      "service: coded\nprovider:\n  name: aws\nfunctions:\n  hello:\n    handler: handler.hello\n    events:\n      - websocket: connect\n",
    );
  });
  afterAll(async () => {
    await rm(service, { recursive: true, force: true });
  });

  it("a usage mistake: exit 2, the line starts with LKN_ERR_CLI_USAGE", async () => {
    const run = await lambkin(["invoke", "hello", "--dir", HELLO, "--data", "{}", "--path", "x.json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error: [LKN_ERR_CLI_USAGE] use either --data or --path, not both");
  });

  it("an unknown option: exit 2 with Commander's message and LKN_ERR_CLI_USAGE", async () => {
    const run = await lambkin(["invoke", "hello", "--no-such-option"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--no-such-option'");
    expect(run.stderr).toContain("[LKN_ERR_CLI_USAGE]");
  });

  it("a bad LAMBKIN_* setting: exit 2 with LKN_ERR_CONFIG_INVALID, not a stack trace", async () => {
    const run = await lambkin(["invoke", "hello", "--dir", HELLO], { LAMBKIN_SANDBOX: "vm" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: [LKN_ERR_CONFIG_INVALID] LAMBKIN_SANDBOX must be "process" or "docker" (got "vm")',
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("a load warning: [LKN_WRN_…] in the text log, a code, file and keyPath in the JSON log", async () => {
    const file = join(service, "serverless.yml");
    const text = await lambkin(["invoke", "hello", "--dir", service]);
    expect(text.code).toBe(0);
    expect(text.stderr).toContain(
      `lambkin ▸ [LKN_WRN_MANIFEST_EVENT_UNSUPPORTED] ${file}: functions.hello.events[0].websocket: websocket events are not supported by Lambkin yet`,
    );
    const json = await lambkin(["--log-format", "json", "invoke", "hello", "--dir", service]);
    const records = json.stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 40,
        code: "LKN_WRN_MANIFEST_EVENT_UNSUPPORTED",
        file,
        keyPath: "functions.hello.events[0].websocket",
        msg: expect.stringMatching(/^\[LKN_WRN_MANIFEST_EVENT_UNSUPPORTED\] /),
      }),
    );
  });

  it("lambkin dev without access keys warns with LKN_WRN_DEV_NO_ACCESS_KEYS", async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, "bin", "lambkin.js"), "--log-format", "json", "dev", "--port", "0", "--dir", HELLO],
      {
        cwd: ROOT,
        env: { ...process.env, LAMBKIN_ACCESS_KEYS: "", LAMBKIN_STATE_DIR: freshStateDir() },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let output = "";
    try {
      await new Promise<void>((resolve, reject) => {
        child.stderr?.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("ready on")) resolve();
        });
        child.once("exit", (code) => reject(new Error(`lambkin dev exited early (${code}):\n${output}`)));
      });
    } finally {
      child.kill("SIGKILL");
    }
    const warning = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((record) => record.code === "LKN_WRN_DEV_NO_ACCESS_KEYS");
    expect(warning?.msg).toMatch(/^\[LKN_WRN_DEV_NO_ACCESS_KEYS\] no access keys configured/);
  });
});
