// Any Lambda-compatible container image runs unchanged (issue #4): its own ENTRYPOINT and CMD, given
// AWS_LAMBDA_RUNTIME_API, under the same hardening as Lambkin's runtime images — defined in code, and
// declared with `image:` in a serverless.yml.
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutionEnvironment } from "../../../runtime/environment/execution-environment.js";
import { startRuntime } from "../../../runtime/lambkin-runtime.js";
import type { FunctionDefinition } from "../../../runtime/manifest/function-definition.js";
import { DOCKER_FIXTURES, docker, ensureImages, startDockerRuntime } from "./docker-test-runtime.js";

const IMAGE = "lambkin-test/lambda-compatible:latest";
const noLogs = { line: () => undefined };

async function buildTestImage(): Promise<void> {
  const context = join(DOCKER_FIXTURES, "lambda-image");
  const stream = await docker.buildImage(
    { context, src: ["Dockerfile", "lambda-entrypoint.sh", "bootstrap", "function.sh"] },
    { t: IMAGE },
  );
  const output = await new Promise<{ error?: string }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, events: { error?: string }[]) =>
      error ? reject(error) : resolve(events),
    ),
  );
  const failed = output.find((event) => event.error);
  if (failed) throw new Error(failed.error);
}

describe("a function packaged as a Lambda-compatible image", () => {
  let runtime: Awaited<ReturnType<typeof startDockerRuntime>>;
  beforeAll(async () => {
    await ensureImages();
    await buildTestImage();
    runtime = await startDockerRuntime("probe");
  });
  afterAll(() => runtime?.close());

  function imageFunction(image: string): FunctionDefinition {
    const probe = runtime.registry.resolve("probe");
    if (!probe) throw new Error("no probe function");
    return {
      ...probe,
      name: "image-function",
      runtime: "provided.al2023",
      handler: "",
      image: { name: image },
    };
  }

  it("runs with the image's entrypoint and command, and answers through the Runtime API", async () => {
    const environment = await ExecutionEnvironment.start(imageFunction(IMAGE), runtime.sandbox, noLogs);
    try {
      const outcome = await environment.invoke({
        requestId: "11111111-2222-3333-4444-555555555555",
        payload: Buffer.from('{"hello":"image"}'),
        invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:image-function",
        traceId: "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
      });
      expect(outcome.status).toBe("success");
      expect(JSON.parse(outcome.payload.toString())).toEqual({
        fromImage: true,
        handler: "function.handler", // from the image's CMD, as AWS's entrypoint sets it
        event: { hello: "image" },
      });
      expect(outcome.logTail.text()).toContain('image handler got {"hello":"image"}');
      // Same hardening as every environment; no code mount: /var/task is the image's.
      const [container] = runtime.provider.environments();
      const info = await docker.getContainer(container?.id ?? "").inspect();
      expect(info.HostConfig.ReadonlyRootfs).toBe(true);
      expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
      expect(info.Mounts).toEqual([]);
      expect(info.Config.Entrypoint).toEqual(["/lambda-entrypoint.sh"]);
    } finally {
      await environment.destroy();
    }
  });

  it("an image that is not in the engine: Sandbox.ImageNotFound, saying to build or pull it", async () => {
    await expect(
      ExecutionEnvironment.start(imageFunction("lambkin-test/not-built:latest"), runtime.sandbox, noLogs),
    ).rejects.toMatchObject({
      errorType: "Sandbox.ImageNotFound",
      code: "LKN_ERR_DOCKER_FUNCTION_IMAGE_MISSING",
      message: expect.stringContaining("docker pull lambkin-test/not-built:latest"),
    });
  });

  it("declared with image: in serverless.yml, runs in a container even when the default sandbox is process", async () => {
    const fromManifest = await startRuntime({
      dir: join(DOCKER_FIXTURES, "image-service"),
      logger: pino({ level: "silent" }),
      env: {},
      sandbox: "process",
    });
    try {
      const result = await fromManifest.invoker.invoke("packaged", '{"from":"manifest"}');
      expect(result.functionError).toBeUndefined();
      expect(JSON.parse(result.payload.toString())).toEqual({
        fromImage: true,
        handler: "function.handler",
        event: { from: "manifest" },
      });
      expect(result.logTail.text()).toMatch(/REPORT RequestId: .*\tMemory Size: 256 MB/);
    } finally {
      await fromManifest.close();
    }
  });
});
