// Starts Lambkin with the docker sandbox on a folder, for the docker-specific tests, after making sure
// the runtime images exist (built offline from this host when they do not).
import { join } from "node:path";
import { pino } from "pino";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import { connectDocker } from "../../../runtime/sandbox/docker/docker-engine.js";
import type { DockerSandboxProvider } from "../../../runtime/sandbox/docker/docker-sandbox-provider.js";
import { ensureRuntimeImages } from "../../../runtime/sandbox/docker/images/ensure-images.js";

export const DOCKER_FIXTURES = join(import.meta.dirname, "fixtures");
export const docker = connectDocker();

export async function ensureImages(): Promise<void> {
  await ensureRuntimeImages(docker, { offline: true });
}

export async function startDockerRuntime(
  folder: string,
): Promise<LambkinRuntime & { provider: DockerSandboxProvider }> {
  const runtime = await startRuntime({
    dir: join(DOCKER_FIXTURES, folder),
    logger: pino({ level: "silent" }),
    env: {},
    sandbox: "docker",
  });
  return Object.assign(runtime, { provider: runtime.sandbox as DockerSandboxProvider });
}

/** Ids of the containers carrying a label (`key=value`), stopped ones included. */
export async function containersLabelled(label: string): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  return containers.map((container) => container.Id);
}

/**
 * Removes a container a test left behind. The runtime may be removing the same container at that moment
 * (409 "removal ... is already in progress") or may have finished (404): both mean it is going away, which is
 * all a cleanup needs — wait until it is gone rather than fail the test on the race.
 */
export async function removeContainer(id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 404 && status !== 409) throw error;
  }
  for (let attempt = 0; attempt < 100 && (await containerExists(id)); attempt++)
    await new Promise((resolve) => setTimeout(resolve, 100));
}

async function containerExists(id: string): Promise<boolean> {
  const containers = await docker.listContainers({ all: true, filters: { id: [id] } });
  return containers.length > 0;
}
