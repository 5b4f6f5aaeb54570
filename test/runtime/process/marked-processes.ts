/**
 * Finds the processes an environment started, wherever they went (setsid, double fork, another pid
 * namespace): every process of an environment inherits its environment variables, so a test gives
 * the function a unique MARKER and looks for it in /proc/<pid>/environ (readable by root only).
 */
import { readdirSync, readFileSync } from "node:fs";
import { expect } from "vitest";

export function processesMarked(marker: string): number[] {
  const needle = `MARKER=${marker}\0`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      if (`\0${readFileSync(`/proc/${entry}/environ`, "latin1")}`.includes(`\0${needle}`))
        found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

export async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(condition(), what).toBe(true);
}

export function uniqueMarker(what: string): string {
  return `lambkin-test-${what}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
