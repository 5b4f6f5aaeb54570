// Docker failures end in clear errors, in Lambda's shape, and never in a hang (issue #4): no engine at
// all, a runtime image that is missing, and the engine vanishing in the middle of an invocation.
import { rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InvokeResult } from "../../../runtime/invoker/invoker.js";
import type { LambkinRuntime } from "../../../runtime/lambkin-runtime.js";
import {
  containersLabelled,
  docker,
  ensureImages,
  removeContainer,
  startDockerRuntime,
} from "./docker-test-runtime.js";

const saved = { ...process.env };

function errorOf(result: InvokeResult): { errorType: string; errorMessage: string } {
  expect(result.functionError).toBe("Unhandled");
  return JSON.parse(result.payload.toString());
}

/** A socket that forwards to the real engine until it is cut. */
async function engineProxy(): Promise<{ path: string; cut(): void }> {
  const path = join(tmpdir(), `lambkin-engine-proxy-${process.pid}.sock`);
  rmSync(path, { force: true });
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const engine = createConnection("/var/run/docker.sock");
    for (const socket of [client, engine]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
    }
    client.pipe(engine).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    cut() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

describe("docker sandbox errors", () => {
  let runtime: (LambkinRuntime & { provider: { owner: { id: string } } }) | undefined;
  beforeAll(ensureImages);
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    process.env = { ...saved };
  });

  it("no Docker engine: the invocation fails at once with Sandbox.EngineUnavailable, saying what to do", async () => {
    process.env.DOCKER_HOST = `unix://${join(tmpdir(), "lambkin-no-engine-here.sock")}`;
    runtime = await startDockerRuntime("probe");
    const started = Date.now();
    const result = await runtime.invoker.invoke("probe", "{}");
    expect(Date.now() - started).toBeLessThan(5000);
    const error = errorOf(result);
    expect(error.errorType).toBe("Sandbox.EngineUnavailable");
    expect(error.errorMessage).toMatch(
      /^RequestId: \S+ Error: \[LKN_ERR_DOCKER_ENGINE_UNAVAILABLE\] Cannot reach the Docker engine at unix:\/\/.*lambkin-no-engine-here\.sock/,
    );
    expect(error.errorMessage).toContain("start it (dockerd) or set DOCKER_HOST");
    expect(result.logTail.text()).toContain("Sandbox.EngineUnavailable");
  });

  it("a missing runtime image: Sandbox.ImageNotFound, naming the image and the command that builds it", async () => {
    process.env.LAMBKIN_DOCKER_IMAGE_REPOSITORY = "lambkin-test/no-such-runtime";
    runtime = await startDockerRuntime("probe");
    const error = errorOf(await runtime.invoker.invoke("probe", "{}"));
    expect(error.errorType).toBe("Sandbox.ImageNotFound");
    expect(error.errorMessage).toContain(
      "[LKN_ERR_DOCKER_IMAGE_MISSING] The Docker image lambkin-test/no-such-runtime:nodejs20.x is missing",
    );
    expect(error.errorMessage).toContain("run `lambkin images build`");
  });

  it("the engine lost mid-invocation: Runtime.ExitError at once, and the log says what happened", async () => {
    const proxy = await engineProxy();
    process.env.DOCKER_HOST = `unix://${proxy.path}`;
    runtime = await startDockerRuntime("probe");
    const ownerLabel = `lambkin.owner=${runtime.provider.owner.id}`;
    try {
      const invocation = runtime.invoker.invoke("spin", "{}");
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const cutAt = Date.now();
      proxy.cut();
      const result = await invocation;
      expect(Date.now() - cutAt).toBeLessThan(3000); // not the function's 30 s timeout
      expect(errorOf(result)).toEqual({
        errorType: "Runtime.ExitError",
        errorMessage: `RequestId: ${result.requestId} Error: Runtime exited with error: signal: killed`,
      });
      expect(result.logTail.text()).toContain("Lambkin lost the Docker engine");
    } finally {
      await runtime.close();
      runtime = undefined;
      for (const id of await containersLabelled(ownerLabel)) await removeContainer(id);
    }
  });

  it("a container removed from under a running invocation: Runtime.ExitError, the next one starts fresh", async () => {
    runtime = await startDockerRuntime("probe");
    const invocation = runtime.invoker.invoke("spin", "{}");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const [environment] = (runtime.sandbox as unknown as { environments(): { id: string }[] }).environments();
    await docker.getContainer(environment?.id ?? "").remove({ force: true });
    const result = await invocation;
    expect(errorOf(result).errorType).toBe("Runtime.ExitError");
    expect((await runtime.invoker.invoke("probe", "{}")).functionError).toBeUndefined();
  });
});
