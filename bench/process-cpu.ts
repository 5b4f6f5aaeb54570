/**
 * CPU time of processes, from /proc (Linux): what a benchmark reads to say which process an event's cost lands in
 * (utime + stime, in clock ticks of USER_HZ = 100 on Linux, `getconf CLK_TCK`).
 */
import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of `pid` in seconds; 0 once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After "(comm) ": fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Every process below `root` (not `root` itself), by pid, with its CPU seconds so far. */
export function descendantsCpu(root: number): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const below = new Map<number, number>();
  for (const pid of parents.keys()) {
    let parent = parents.get(pid);
    while (parent !== undefined && parent > 1 && parent !== root) parent = parents.get(parent);
    if (parent === root) below.set(pid, cpuSecondsOf(pid));
  }
  return below;
}
