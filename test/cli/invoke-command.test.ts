// `lambkin invoke`: prints the payload exactly as the Invoke API returns it, logs on stderr, and
// exits 0 / 1 (function error) / 2 (bad usage or manifest). Runs the real built CLI.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const HELLO = join(ROOT, "functions", "hello");

function lambkin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin", "lambkin.js"), ...args],
      // Plain text: picocolors colours output whenever CI is set, and these tests read it.
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

describe("lambkin invoke", () => {
  it("prints the classic hello's payload as the Invoke API returns it", async () => {
    const run = await lambkin("invoke", "hello", "--dir", HELLO);
    expect(run).toMatchObject({ code: 0, stdout: '"Hello lambda"\n' });
    expect(run.stderr).toMatch(/START RequestId: [0-9a-f-]{36} Version: \$LATEST/);
    expect(run.stderr).toMatch(
      /REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 1024 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/,
    );
  });

  it("runs all five classic handlers as they are", async () => {
    expect((await lambkin("invoke", "helloJson", "--dir", HELLO)).stdout).toBe(
      '"{\\"message\\":\\"Hello lambda\\"}"\n',
    );
    expect((await lambkin("invoke", "greet", "--dir", HELLO, "--data", '{"name":"Ada"}')).stdout).toBe(
      '"Hello Ada"\n',
    );
    expect(
      (await lambkin("invoke", "company", "--dir", HELLO, "--data", '{"company":"NewStore"}')).stdout,
    ).toBe('"You made a good choice!"\n');
    expect((await lambkin("invoke", "hello-dev-api", "--dir", HELLO)).stdout).toBe(
      '{"statusCode":200,"body":"{\\"message\\":\\"Hello Lambda\\"}"}\n',
    );
  });

  it("prints the error payload and exits 1 on a function error", async () => {
    const run = await lambkin("invoke", "company", "--dir", HELLO, "--data", '{"company":"Acme"}');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      errorType: "string",
      errorMessage: "You're working for the wrong company",
      trace: [],
    });
  });

  it("reads the event from a file with --path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lambkin-event-"));
    const path = join(dir, "event.json");
    await writeFile(path, '{"name":"file"}');
    expect((await lambkin("invoke", "greet", "--dir", HELLO, "--path", path)).stdout).toBe('"Hello file"\n');
  });

  it("exits 2 with a clear message for an unknown function, bad JSON, or both --data and --path", async () => {
    const unknown = await lambkin("invoke", "nope", "--dir", HELLO);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      "ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope",
    );
    const badJson = await lambkin("invoke", "hello", "--dir", HELLO, "--data", "{nope");
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain(
      "InvalidRequestContentException: Could not parse request body into json",
    );
    const both = await lambkin("invoke", "hello", "--dir", HELLO, "--data", "{}", "--path", "x.json");
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("use either --data or --path, not both");
  });

  it("exits 2 naming the file and key of a bad manifest", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lambkin-bad-"));
    await writeFile(
      join(dir, "serverless.yml"),
      "service: bad\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  f:\n    handler: a.b\n    timeout: 901\n",
    );
    const run = await lambkin("invoke", "f", "--dir", dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("serverless.yml");
    expect(run.stderr).toContain("functions.f.timeout");
  });

  it("exits 2 on an unknown command and prints help", async () => {
    const run = await lambkin("frobnicate");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Usage: lambkin");
  });
});
