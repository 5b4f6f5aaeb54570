// `lambkin dev` (what `npm start` runs): serves the hello service's route and the Invoke API on the
// port it prints, and on SIGTERM/SIGINT closes the server, stops every environment and exits 0.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freshStateDir } from "../support/state-dir.js";

const ROOT = join(import.meta.dirname, "..", "..");

interface Dev {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

async function startDev(): Promise<Dev> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin", "lambkin.js"), "dev", "--port", "0", "--dir", "functions/hello"],
    {
      cwd: ROOT,
      env: { ...process.env, LAMBKIN_ACCESS_KEYS: "", NO_COLOR: "1", LAMBKIN_STATE_DIR: freshStateDir() },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (ready?.[1]) resolve(ready[1]);
    });
    child.once("exit", (code) => reject(new Error(`lambkin dev exited early (${code}):\n${output}`)));
  });
  return { child, url, output: () => output };
}

describe("lambkin dev", () => {
  let dev: Dev | undefined;
  afterEach(() => {
    dev?.child.kill("SIGKILL");
    dev = undefined;
  });

  it("serves GET /hello and the Invoke API, then stops cleanly on SIGTERM", async () => {
    dev = await startDev();
    const route = await fetch(`${dev.url}/hello`);
    expect(route.status).toBe(200);
    expect(await route.json()).toEqual({ message: "Hello Lambda" });

    const invoke = await fetch(`${dev.url}/2015-03-31/functions/greet/invocations`, {
      method: "POST",
      body: JSON.stringify({ name: "dev" }),
    });
    expect(invoke.status).toBe(200);
    expect(await invoke.text()).toBe('"Hello dev"');

    const exited = new Promise<number | null>((resolve) => dev?.child.once("exit", (code) => resolve(code)));
    dev.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(dev.output()).toContain("SIGTERM: stopping the gateway and every execution environment");
  });

  it("warns that signatures are not checked when no access keys are configured", async () => {
    dev = await startDev();
    expect(dev.output()).toContain("Invoke API and /_lambkin signatures are NOT checked");
  });
});
