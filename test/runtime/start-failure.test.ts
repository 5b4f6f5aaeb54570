// An environment that cannot start fails its invocation in Lambda's shape (Runtime.InvalidEntrypoint for
// a bootstrap that is gone), with START/END/REPORT in the Tail and in the function's log like any other.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { startRuntime } from "../../runtime/lambkin-runtime.js";
import { FIXTURES } from "../conformance/harness.js";

describe("an environment that cannot start", () => {
  it("fails with Runtime.InvalidEntrypoint when the bootstrap has gone, and logs it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lambkin-entrypoint-"));
    await cp(join(FIXTURES, "custom-runtimes", "shell"), dir, { recursive: true });
    const logged: string[] = [];
    const runtime = await startRuntime({
      dir,
      logger: pino({ level: "silent" }),
      env: {},
      sandbox: "process",
      functionLogs: { line: (_fn, _id, text) => logged.push(text) },
    });
    try {
      await rm(join(dir, "bootstrap")); // deleted after the manifest was loaded
      const result = await runtime.invoker.invoke("echo", "{}");
      expect(result.functionError).toBe("Unhandled");
      expect(JSON.parse(result.payload.toString())).toEqual({
        errorType: "Runtime.InvalidEntrypoint",
        errorMessage: `RequestId: ${result.requestId} Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]`,
      });
      expect(result.logTail.text()).toMatch(
        /^START RequestId: .*\nRequestId: .*\nRuntime.InvalidEntrypoint\nEND RequestId: .*\nREPORT RequestId: /,
      );
      expect(logged).toContain("Runtime.InvalidEntrypoint");
      expect(logged.at(-1)).toMatch(/^REPORT RequestId: /);
    } finally {
      await runtime.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
