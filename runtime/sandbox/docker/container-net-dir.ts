/**
 * Finds where this host shows a container's network namespace: /proc/<pid>/net of the container's init
 * process (the engine's State.Pid), whose `tcp` table the output channel's drain barrier reads
 * (channel-drain.ts). Only when the engine runs on this host and the pid is really that container's
 * (its cgroup names the container): a pid from a remote engine, or one reused since, would show
 * another namespace. Otherwise it says why not, and the caller falls back to timing.
 */
import { readFileSync } from "node:fs";
import { engineAddress } from "./docker-engine.js";

export type ContainerNetDir = { readonly dir: string } | { readonly problem: string };

export function containerNetDir(pid: number | undefined, containerId: string): ContainerNetDir {
  const engine = engineAddress();
  if (!engine.startsWith("unix://") && !engine.startsWith("/"))
    return { problem: `the Docker engine is not on this host (${engine})` };
  if (!pid) return { problem: "the engine reported no process id for the container" };
  try {
    if (!readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(containerId))
      return { problem: `process ${pid} of this host is not the container's (another pid namespace?)` };
    readFileSync(`/proc/${pid}/net/tcp`);
  } catch (error) {
    return { problem: `cannot read the container's process ${pid} in /proc: ${(error as Error).message}` };
  }
  return { dir: `/proc/${pid}/net` };
}
