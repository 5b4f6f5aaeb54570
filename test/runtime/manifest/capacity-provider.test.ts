/**
 * `capacityProvider` (Lambda Managed Instances, as the Serverless Framework v4 writes it): what a function's
 * environments are told (maxConcurrency, vCPUs) and the manifest errors a deployment would meet.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManifestError } from "../../../runtime/manifest/manifest-error.js";
import { lambdaEnvironmentVariables } from "../../../runtime/sandbox/lambda-environment-variables.js";
import { load } from "./manifest-fixtures.js";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function service(functionYaml: string, runtime = "nodejs22.x"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lambkin-capacity-provider-"));
  folders.push(dir);
  await writeFile(join(dir, "handler.js"), "exports.handler = async () => 1;\n");
  await writeFile(join(dir, "bootstrap"), "#!/bin/sh\n", { mode: 0o755 });
  await writeFile(
    join(dir, "serverless.yml"),
    `service: managed\nprovider:\n  name: aws\n  runtime: ${runtime}\n  capacityProviders:\n    highMem: {}\nfunctions:\n  api:\n    handler: handler.handler\n${functionYaml}`,
  );
  return dir;
}

async function only(functionYaml: string, runtime?: string) {
  const loaded = await load(await service(functionYaml, runtime));
  const [fn] = loaded.functions;
  if (!fn) throw new Error("no function loaded");
  return { fn, warnings: loaded.warnings };
}

async function failure(functionYaml: string, runtime?: string): Promise<ManifestError> {
  try {
    await only(functionYaml, runtime);
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error("expected a ManifestError");
}

describe("capacityProvider", () => {
  it("by name: 2048 MB, 2 GiB per vCPU, one vCPU, Node's 64 invocations per vCPU", async () => {
    const { fn } = await only("    capacityProvider: highMem\n");
    expect(fn.memorySize).toBe(2048);
    expect(fn.managedInstances).toEqual({
      capacityProvider: "highMem",
      maxConcurrency: 64,
      memoryGiBPerVCpu: 2,
      vCpus: 1,
      minEnvironments: 0,
    });
  });

  it("the function-level form: maxConcurrency, memoryPerVCpu and memorySize set the vCPUs", async () => {
    const { fn, warnings } = await only(
      "    memorySize: 8192\n    capacityProvider:\n      name: default\n      maxConcurrency: 100\n      memoryPerVCpu: 4\n      scaling: { min: 1, max: 5 }\n",
    );
    expect(fn.managedInstances).toMatchObject({
      maxConcurrency: 100,
      memoryGiBPerVCpu: 4,
      vCpus: 2,
      minEnvironments: 1,
      maxEnvironments: 5,
    });
    expect(warnings.map((w) => w.keyPath)).not.toContain("functions.api.capacityProvider.scaling");
  });

  it("refuses a scaling that is not min and max from 0 to 15000, min ≤ max", async () => {
    const at = "    capacityProvider:\n      name: default\n      scaling: ";
    const cases: [string, string, RegExp][] = [
      ["{ min: 3, max: 2 }", "functions.api.capacityProvider.scaling.min", /more than scaling.max/],
      ["{ max: -1 }", "functions.api.capacityProvider.scaling.max", /from 0 to 15000/],
      ["{ min: 15001 }", "functions.api.capacityProvider.scaling.min", /from 0 to 15000/],
      ["{ min: 1.5 }", "functions.api.capacityProvider.scaling.min", /whole number/],
      ["5", "functions.api.capacityProvider.scaling", /mapping with min and\/or max/],
    ];
    for (const [scaling, keyPath, message] of cases) {
      const error = await failure(`${at}${scaling}\n`);
      expect(error.keyPath).toBe(keyPath);
      expect(error.message).toMatch(message);
    }
    const { fn } = await only(`${at}{ max: 0 }\n`);
    expect(fn.managedInstances).toMatchObject({ minEnvironments: 0, maxEnvironments: 0 });
  });

  it("an ARN or an intrinsic names a provider made elsewhere; the default concurrency follows the vCPUs", async () => {
    const arn = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:shared";
    expect((await only(`    capacityProvider: ${arn}\n`)).fn.managedInstances?.capacityProvider).toBe(arn);
    const { fn } = await only("    memorySize: 8192\n    capacityProvider: !GetAtt Shared.Arn\n");
    expect(fn.managedInstances).toMatchObject({
      capacityProvider: "(external)",
      vCpus: 4,
      maxConcurrency: 256,
    });
  });

  it("tells the runtime its concurrency and initialization type; other functions keep on-demand", async () => {
    const { fn } = await only("    capacityProvider:\n      name: highMem\n      maxConcurrency: 8\n");
    const variables = lambdaEnvironmentVariables(
      {
        fn,
        environmentId: "0".repeat(32),
        runtimeApiAddress: "127.0.0.1:9001",
        logStreamName: "stream",
      } as Parameters<typeof lambdaEnvironmentVariables>[0],
      { runtimeDir: "/var/runtime", taskRoot: "/var/task" },
    );
    expect(variables.AWS_LAMBDA_MAX_CONCURRENCY).toBe("8");
    expect(variables.AWS_LAMBDA_INITIALIZATION_TYPE).toBe("lambda-managed-instances");
    const plain = await only("");
    expect(plain.fn.managedInstances).toBeUndefined();
    expect(plain.fn.memorySize).toBe(1024);
  });

  it("refuses a runtime Managed Instances do not support", async () => {
    const error = await failure("    capacityProvider: highMem\n", "nodejs20.x");
    expect(error.keyPath).toBe("provider.runtime");
    expect(error.problem).toBe("nodejs20.x cannot run on Lambda Managed Instances (capacityProvider is set)");
  });

  it("refuses a name no capacity provider has", async () => {
    const error = await failure("    capacityProvider: lowMem\n");
    expect(error.keyPath).toBe("functions.api.capacityProvider");
    expect(error.fix).toContain("provider.capacityProviders");
  });

  it("refuses maxConcurrency outside 1–1600 and a memory per vCPU other than 2, 4 or 8", async () => {
    for (const value of [0, 1601, 2.5]) {
      const error = await failure(`    capacityProvider: { name: highMem, maxConcurrency: ${value} }\n`);
      expect(error.keyPath).toBe("functions.api.capacityProvider.maxConcurrency");
    }
    const ratio = await failure("    capacityProvider: { name: highMem, memoryPerVCpu: 3 }\n");
    expect(ratio.keyPath).toBe("functions.api.capacityProvider.memoryPerVCpu");
  });

  it("refuses memory that gives less than one vCPU", async () => {
    const error = await failure(
      "    memorySize: 2048\n    capacityProvider: { name: highMem, memoryPerVCpu: 4 }\n",
    );
    expect(error.keyPath).toBe("functions.api.memorySize");
    expect(error.fix).toBe(
      "Use a memorySize of at least 4096 MB, or a smaller capacityProvider.memoryPerVCpu",
    );
  });

  it("a custom runtime must say its concurrency", async () => {
    const error = await failure("    capacityProvider: highMem\n", "provided.al2023");
    expect(error.keyPath).toBe("functions.api.capacityProvider.maxConcurrency");
    const { fn } = await only(
      "    capacityProvider: { name: highMem, maxConcurrency: 16 }\n",
      "provided.al2023",
    );
    expect(fn.managedInstances?.maxConcurrency).toBe(16);
  });
});
