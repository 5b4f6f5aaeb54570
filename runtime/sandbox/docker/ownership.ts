/**
 * Which containers belong to which Lambkin. Every container carries labels naming its owner — an id
 * per sandbox provider plus the host, pid and start time of the Lambkin process — and the function it
 * runs. A Lambkin that stops removes its own containers; one that crashed (SIGKILL, power loss) leaves
 * them behind, and the next Lambkin to start on that host removes every container whose owner process
 * is gone. Containers of a Lambkin that is still running (another worker, a parallel test) are kept.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type Docker from "dockerode";
import { statusOf, withDeadline } from "./docker-engine.js";

export const MANAGED_LABEL = "lambkin.managed";
export const OWNER_LABEL = "lambkin.owner";
export const FUNCTION_LABEL = "lambkin.function";
const OWNER_HOST_LABEL = "lambkin.owner-host";
const OWNER_PID_LABEL = "lambkin.owner-pid";
const OWNER_STARTED_LABEL = "lambkin.owner-started";

export interface Owner {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Boot id + start time of a process: tells a live process from a later one that reused its pid. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return `${bootId}:${fields[19]}`; // field 22 of stat: starttime, in clock ticks since boot
  } catch {
    return undefined;
  }
}

export function newOwner(): Owner {
  const id = randomBytes(8).toString("hex");
  return {
    id,
    labels: {
      [MANAGED_LABEL]: "true",
      [OWNER_LABEL]: id,
      [OWNER_HOST_LABEL]: hostname(),
      [OWNER_PID_LABEL]: String(process.pid),
      [OWNER_STARTED_LABEL]: processStart(process.pid) ?? "unknown",
    },
  };
}

/** True when the Lambkin that created a container with these labels no longer runs on this host. */
export function ownerIsGone(labels: Readonly<Record<string, string>>): boolean {
  if (labels[OWNER_HOST_LABEL] !== hostname()) return false; // not ours to judge
  const pid = Number(labels[OWNER_PID_LABEL]);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  const started = processStart(pid);
  return started === undefined || started !== labels[OWNER_STARTED_LABEL];
}

async function removeAll(docker: Docker, ids: readonly string[]): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      const container = docker.getContainer(id);
      try {
        await withDeadline(container.remove({ force: true }), `removing container ${id}`);
      } catch (error) {
        // 404: already gone; 409: its auto-removal is under way — wait for that to finish below.
        if (statusOf(error) !== 404 && statusOf(error) !== 409) throw error;
      }
      // Removal is only done once the engine says so: callers promise that no container remains.
      await withDeadline(container.wait({ condition: "removed" }), `removal of container ${id}`).catch(
        () => undefined,
      );
    }),
  );
}

/** Removes the containers of Lambkins that are gone; returns how many. */
export async function removeLeftovers(docker: Docker): Promise<number> {
  const containers = await withDeadline(
    docker.listContainers({ all: true, filters: { label: [`${MANAGED_LABEL}=true`] } }),
    "listing containers",
  );
  const leftovers = containers
    .filter((container) => ownerIsGone(container.Labels ?? {}))
    .map((container) => container.Id);
  await removeAll(docker, leftovers);
  return leftovers.length;
}

/** Removes every container of `owner` still known to the engine (the sweep when Lambkin stops). */
export async function removeOwned(docker: Docker, owner: Owner): Promise<void> {
  const containers = await withDeadline(
    docker.listContainers({ all: true, filters: { label: [`${OWNER_LABEL}=${owner.id}`] } }),
    "listing containers",
  );
  await removeAll(
    docker,
    containers.map((container) => container.Id),
  );
}
