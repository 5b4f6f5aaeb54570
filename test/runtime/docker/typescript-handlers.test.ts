// The TypeScript fixture in the docker sandbox (LAMBKIN_SANDBOX=docker, real `lambkin invoke` processes): the bundle
// lives in the service folder, which is mounted at /var/task, so it runs there and its source map leads to
// /var/task/src/*.ts; the external production dependency resolves from /var/task/node_modules.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLambkin } from "../../support/run-lambkin.js";
import { removeTypeScriptServices, typeScriptService } from "../../support/typescript-service.js";
import { ensureImages } from "./docker-test-runtime.js";

const DOCKER = { LAMBKIN_SANDBOX: "docker", LAMBKIN_DOCKER_MIN_CPUS: "0.5" };

describe("TypeScript handlers in the docker sandbox", () => {
  afterAll(removeTypeScriptServices);
  beforeAll(ensureImages, 600_000);

  it("runs the bundle and maps the trace to the .ts lines under /var/task", async () => {
    const dir = await typeScriptService("ts-docker");
    const hello = await runLambkin(["invoke", "hello", "--dir", dir, "--data", '{"name":"box"}'], DOCKER);
    expect(hello.stderr).not.toContain("ERROR");
    expect(hello.code).toBe(0);
    expect(JSON.parse(hello.stdout)).toEqual({ greeting: "Hello, box", text: "HELLO, BOX!" });
    const fail = await runLambkin(["invoke", "fail", "--dir", dir, "--data", '{"name":"box"}'], DOCKER);
    expect(fail.code).toBe(1);
    const payload = JSON.parse(fail.stdout) as { errorMessage: string; trace: string[] };
    expect(payload.errorMessage).toBe("exploded: box");
    expect(payload.trace[1]).toBe("    at explode (/var/task/src/format.ts:10:9)");
    expect(payload.trace[2]).toContain("/var/task/src/handler.ts:14:10)");
  });
});
