// With isolation off (LAMBKIN_PROCESS_ISOLATION=off here; on hosts without root or bubblewrap, by
// necessity), the process sandbox runs functions as Lambkin's own user and says so ONCE at start, with
// its code: it is not a security boundary there, the docker sandbox is.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import { ProcessSandboxProvider } from "../../../runtime/sandbox/process/process-sandbox.js";
import { FIXTURES, payloadJson } from "../../conformance/harness.js";

describe("the process sandbox with isolation forced off", () => {
  let runtime: LambkinRuntime | undefined;
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    delete process.env.LAMBKIN_PROCESS_ISOLATION;
  });

  it("warns once at start, with LKN_WRN_SANDBOX_PROCESS_UNISOLATED, and runs functions as Lambkin's user", async () => {
    process.env.LAMBKIN_PROCESS_ISOLATION = "off";
    const warnings: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        const entry = JSON.parse(chunk.toString()) as { level: number; msg: string };
        if (entry.level === 40) warnings.push(entry.msg);
        done();
      },
    });
    runtime = await startRuntime({
      dir: join(FIXTURES, "hostile"),
      logger: pino({ level: "warn" }, sink),
      env: {},
      sandbox: "process",
    });
    expect((runtime.sandbox as ProcessSandboxProvider).isolated).toBe(false);
    for (let i = 0; i < 2; i++) {
      const me = payloadJson(await runtime.invoker.invoke("whoami", "{}")) as { uid: number };
      expect(me.uid).toBe(process.getuid?.());
    }
    const sandboxWarnings = warnings.filter((message) =>
      message.includes("LKN_WRN_SANDBOX_PROCESS_UNISOLATED"),
    );
    expect(sandboxWarnings).toHaveLength(1);
    expect(sandboxWarnings[0]).toContain(
      "[LKN_WRN_SANDBOX_PROCESS_UNISOLATED] The process sandbox is not isolated",
    );
    expect(sandboxWarnings[0]).toContain("LAMBKIN_PROCESS_ISOLATION=off");
    expect(sandboxWarnings[0]).toContain("LAMBKIN_SANDBOX=docker");
  });

  it("refuses a setting it does not know", () => {
    process.env.LAMBKIN_PROCESS_ISOLATION = "bogus";
    expect(() => new ProcessSandboxProvider({ nodeBootstrapPath: "/nonexistent" })).toThrow(
      'LAMBKIN_PROCESS_ISOLATION must be "auto", "on" or "off" (got "bogus")',
    );
  });

  it("as a user that is not root: `on` refuses to start (LKN_ERR_SANDBOX_ISOLATION_UNAVAILABLE), `auto` warns", async () => {
    // Lambkin itself run as `nobody` (setpriv), the real cause of an unisolated host.
    const provider = join(
      import.meta.dirname,
      "..",
      "..",
      "..",
      "dist",
      "runtime",
      "sandbox",
      "process",
      "process-sandbox.js",
    );
    const asNobody = (isolation: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const script = `const { ProcessSandboxProvider } = await import(${JSON.stringify(provider)}); new ProcessSandboxProvider({ nodeBootstrapPath: "/nonexistent" }); setTimeout(() => process.exit(0), 100);`;
        execFile(
          "/usr/bin/setpriv",
          [
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            process.execPath,
            "--input-type=module",
            "-e",
            script,
          ],
          { env: { PATH: process.env.PATH, LAMBKIN_PROCESS_ISOLATION: isolation } },
          (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
        );
      });
    const required = await asNobody("on");
    expect(required.code).not.toBe(0);
    expect(required.stderr).toContain(
      "[LKN_ERR_SANDBOX_ISOLATION_UNAVAILABLE] LAMBKIN_PROCESS_ISOLATION=on, but the process sandbox cannot be isolated here: Lambkin runs as uid 65534, not root",
    );
    const automatic = await asNobody("auto");
    expect(automatic.code).toBe(0);
    expect(automatic.stderr).toContain(
      "[LKN_WRN_SANDBOX_PROCESS_UNISOLATED] The process sandbox is not isolated (Lambkin runs as uid 65534, not root)",
    );
  });
});
