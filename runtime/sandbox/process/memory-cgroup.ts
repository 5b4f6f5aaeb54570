/**
 * Enforces a function's memorySize on a process sandbox with a memory cgroup of its own, so that
 * exceeding it ends the way it ends on Lambda: the kernel's OOM killer sends SIGKILL and the invoke
 * fails with `Runtime.ExitError` / `signal: killed` (docs/lambda-behaviour.md §1.5). Works with cgroup v1
 * (memory controller) and v2 when this process may create child groups; otherwise returns undefined
 * and the caller falls back to watching RSS.
 *
 * The group also tells which processes belong to an environment, whatever they did to leave its
 * process group (setsid, double fork): the runtime is started inside it (`procsFile`), and ending the
 * environment kills every member. A group is named after the Lambkin that owns it, so that a Lambkin
 * starting later kills the members of groups whose owner died (SIGKILL) before removing them.
 */

import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RereadableFile } from "./rereadable-file.js";

export interface MemoryCgroup {
  /** Writing a pid here moves that process (and its future children) into the group. */
  readonly procsFile: string;
  addProcess(pid: number): void;
  /** The pids in the group now. */
  members(): number[];
  /** SIGKILLs every member; returns how many there were. */
  killMembers(): number;
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

/** `lambkin-<owner pid>-<environment id>`: whose group this is. */
export function memoryCgroupName(environmentId: string, ownerPid = process.pid): string {
  return `lambkin-${ownerPid}-${environmentId}`;
}

/**
 * Groups left by a Lambkin that was SIGKILLed: their members (processes that escaped their process
 * group) are killed, then the groups removed. Groups of a live Lambkin are left alone.
 */
function removeLeftoverGroups(layout: CgroupLayout): void {
  try {
    for (const entry of readdirSync(layout.parent)) {
      if (!entry.startsWith("lambkin-")) continue;
      const owner = /^lambkin-(\d+)-/.exec(entry)?.[1];
      if (owner !== undefined && isAlive(Number(owner))) continue;
      const dir = join(layout.parent, entry);
      // A group without an owner in its name (older Lambkins) is only removed once empty.
      for (let round = 0; owner !== undefined && round < 50 && killAll(dir) > 0; round++) sleepBriefly();
      try {
        rmdirSync(dir);
      } catch {
        // Still in use (an older Lambkin's group without an owner, alive).
      }
    }
  } catch {
    // Not readable: nothing to clean.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function membersOf(dir: string): number[] {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function killAll(dir: string): number {
  const members = membersOf(dir);
  for (const pid of members) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  return members.length;
}

/** Start-up only: a dead Lambkin's processes take a moment to go once killed. */
function sleepBriefly(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
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
  const peakFile = new RereadableFile(join(dir, layout.peakFile), 64);
  return {
    procsFile: join(dir, "cgroup.procs"),
    addProcess(pid) {
      writeFileSync(join(dir, "cgroup.procs"), String(pid));
    },
    members: () => membersOf(dir),
    killMembers: () => killAll(dir),
    peakBytes() {
      return Number(peakFile.read()?.trim()) || 0;
    },
    remove() {
      peakFile.close();
      try {
        rmdirSync(dir);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === "ENOENT";
      }
    },
  };
}
