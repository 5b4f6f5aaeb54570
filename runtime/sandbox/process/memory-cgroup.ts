/**
 * Enforces a function's memorySize on a process sandbox with a memory cgroup of its own, so that
 * exceeding it ends the way it ends on Lambda: the kernel's OOM killer sends SIGKILL and the invoke
 * fails with `Runtime.ExitError` / `signal: killed` (LAMBDA_SEMANTICS §1.5). Works with cgroup v1
 * (memory controller) and v2 when this process may create child groups; otherwise returns undefined
 * and the caller falls back to watching RSS.
 */
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface MemoryCgroup {
  addProcess(pid: number): void;
  /** Peak memory charged to the group, in bytes. */
  peakBytes(): number;
  /** Removes the group; false while processes are still in it. */
  remove(): boolean;
}

interface CgroupLayout {
  readonly parent: string;
  readonly limitFile: string;
  readonly swapLimitFile: string;
  readonly peakFile: string;
}

let detectedLayout: CgroupLayout | null | undefined;

function ownCgroupPath(controllerPrefix: string): string | undefined {
  const lines = readFileSync("/proc/self/cgroup", "utf8").split("\n");
  for (const line of lines) {
    const [, controllers, path] = line.split(":");
    if (controllers === undefined || path === undefined) continue;
    if (controllerPrefix === "" ? controllers === "" : controllers.split(",").includes(controllerPrefix)) {
      return path;
    }
  }
  return undefined;
}

function detectLayout(): CgroupLayout | null {
  try {
    const v1 = ownCgroupPath("memory");
    if (v1 !== undefined) {
      return {
        parent: join("/sys/fs/cgroup/memory", v1),
        limitFile: "memory.limit_in_bytes",
        swapLimitFile: "memory.memsw.limit_in_bytes",
        peakFile: "memory.max_usage_in_bytes",
      };
    }
    const v2 = ownCgroupPath("");
    if (v2 !== undefined) {
      return {
        parent: join("/sys/fs/cgroup", v2),
        limitFile: "memory.max",
        swapLimitFile: "memory.swap.max",
        peakFile: "memory.peak",
      };
    }
  } catch {
    // No /proc/self/cgroup: not Linux, or a restricted container.
  }
  return null;
}

/** Groups left by a Lambkin that was SIGKILLed are empty once their processes died: remove them. */
function removeLeftoverGroups(layout: CgroupLayout): void {
  try {
    for (const entry of readdirSync(layout.parent)) {
      if (!entry.startsWith("lambkin-")) continue;
      try {
        rmdirSync(join(layout.parent, entry));
      } catch {
        // Still in use by another Lambkin on this host.
      }
    }
  } catch {
    // Not readable: nothing to clean.
  }
}

/** Creates a group limited to `limitBytes`, or returns undefined when cgroups cannot be used here. */
export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup | undefined {
  if (detectedLayout === undefined) {
    detectedLayout = detectLayout();
    if (detectedLayout) removeLeftoverGroups(detectedLayout);
  }
  const layout = detectedLayout;
  if (!layout) return undefined;
  const dir = join(layout.parent, name);
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, layout.limitFile), String(limitBytes));
  } catch {
    try {
      rmdirSync(dir);
    } catch {}
    detectedLayout = null; // not permitted here: do not try again for every environment
    return undefined;
  }
  try {
    // Lambda has no swap: memory beyond the limit is an OOM kill, not a slowdown.
    writeFileSync(
      join(dir, layout.swapLimitFile),
      layout.swapLimitFile === "memory.swap.max" ? "0" : String(limitBytes),
    );
  } catch {
    // No swap accounting on this kernel: nothing to turn off.
  }
  return {
    addProcess(pid) {
      writeFileSync(join(dir, "cgroup.procs"), String(pid));
    },
    peakBytes() {
      try {
        return Number(readFileSync(join(dir, layout.peakFile), "utf8").trim()) || 0;
      } catch {
        return 0;
      }
    },
    remove() {
      try {
        rmdirSync(dir);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === "ENOENT";
      }
    },
  };
}
