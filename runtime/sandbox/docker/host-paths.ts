/**
 * The path the Docker engine must bind to show a function's code at /var/task. The engine resolves a bind
 * mount's source on ITS host, not in the filesystem of whoever asks. On the engine's host the two are the
 * same. When Lambkin itself runs in a container of that engine with its socket (docker-compose.yml's
 * workers), its paths are not the host's: the code must come from a mount of Lambkin's own container
 * (a bind or a volume), and the engine's path for it is that mount's source — read from the engine, so
 * the compose file may mount the functions folder wherever it likes, whatever the host path is.
 *
 * Lambkin's container is found by the engine's own bind mounts of /etc/hostname, /etc/hosts and
 * /etc/resolv.conf (their source is the engine's containers/<id>/ folder; /proc/self/mountinfo shows it),
 * which works on cgroup v1 and v2 and whatever the container's hostname is. No such mount, or an id this
 * engine does not know (another engine's container, Docker in Docker): the paths are the engine's own.
 */
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import type Docker from "dockerode";
import { statusOf, withDeadline } from "./docker-engine.js";

export interface Mount {
  /** Where the engine has it (its host's path). */
  readonly source: string;
  /** Where Lambkin's container sees it. */
  readonly destination: string;
}

/** The engine's path for a path of Lambkin's filesystem, or undefined when the engine cannot see it. */
export type HostPathOf = (path: string) => string | undefined;

export const SAME_PATHS: HostPathOf = (path) => path;

const ENGINE_FILES = new Set(["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"]);

/** mountinfo writes space, tab, newline and backslash as octal escapes (\040 …). */
function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** The id of the container whose /proc/self/mountinfo this is, or undefined outside a Docker container. */
export function ownContainerId(mountinfo: string): string | undefined {
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    const root = unescapeMountinfo(fields[3] ?? "");
    const mountPoint = unescapeMountinfo(fields[4] ?? "");
    if (!ENGINE_FILES.has(mountPoint)) continue;
    const match = /\/containers\/([0-9a-f]{64})\/(?:hostname|hosts|resolv\.conf)$/.exec(root);
    if (match) return match[1];
  }
  return undefined;
}

/** Translates through the mount that holds the path (the deepest one, as the kernel resolves it). */
export function hostPathThrough(mounts: readonly Mount[]): HostPathOf {
  const ordered = [...mounts].sort((a, b) => b.destination.length - a.destination.length);
  return (path) => {
    const normal = posix.normalize(path);
    for (const mount of ordered) {
      const destination = posix.normalize(mount.destination);
      if (normal === destination) return mount.source;
      const prefix = destination.endsWith("/") ? destination : `${destination}/`;
      if (normal.startsWith(prefix)) return posix.join(mount.source, normal.slice(prefix.length));
    }
    return undefined;
  };
}

function readMountinfo(): string {
  try {
    return readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return ""; // not Linux, or no /proc: not in a container of a Linux engine
  }
}

/** How this Lambkin names paths to the engine (SAME_PATHS unless it runs in one of the engine's containers). */
export async function discoverHostPaths(docker: Docker, mountinfo = readMountinfo()): Promise<HostPathOf> {
  const id = ownContainerId(mountinfo);
  if (!id) return SAME_PATHS;
  let info: Docker.ContainerInspectInfo;
  try {
    info = await withDeadline(docker.getContainer(id).inspect(), `inspecting Lambkin's own container ${id}`);
  } catch (error) {
    if (statusOf(error) === 404) return SAME_PATHS; // a container of another engine
    throw error;
  }
  const mounts = (info.Mounts ?? [])
    .filter(
      (mount) => mount.Source && mount.Destination && (mount.Type === "bind" || mount.Type === "volume"),
    )
    .map((mount) => ({ source: mount.Source, destination: mount.Destination }));
  return hostPathThrough(mounts);
}
