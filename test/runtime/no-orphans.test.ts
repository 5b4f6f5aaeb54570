// No orphans (issue #2): when Lambkin stops — SIGTERM, SIGINT, or even SIGKILL — every execution
// environment it started is gone, idle (frozen) and busy (spinning in user code) alike.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SCRIPT = join(import.meta.dirname, "..", "fixtures", "lifecycle", "hold-environments.mjs");

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2]?.startsWith("Z");
  } catch {
    return false;
  }
}

async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(condition(), what).toBe(true);
}

async function startHolder(): Promise<{ holder: ChildProcess; idlePid: number; busyPid: number }> {
  const pidDir = await mkdtemp(join(tmpdir(), "lambkin-orphans-"));
  const holder = spawn(process.execPath, [SCRIPT], {
    env: { ...process.env, PID_DIR: pidDir },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const idlePid = await new Promise<number>((resolve, reject) => {
    holder.stdout?.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    holder.once("exit", (code) => reject(new Error(`holder exited early (${code})`)));
  });
  const busyPidFile = join(pidDir, "spin.pid");
  await eventually(
    () => existsSync(busyPidFile) && readFileSync(busyPidFile, "utf8").length > 0,
    "the busy environment started",
  );
  const busyPid = Number(readFileSync(busyPidFile, "utf8"));
  expect(isAlive(idlePid)).toBe(true);
  expect(isAlive(busyPid)).toBe(true);
  return { holder, idlePid, busyPid };
}

describe("no orphaned environments", () => {
  for (const signal of ["SIGTERM", "SIGINT", "SIGKILL"] as const) {
    it(`${signal} to Lambkin ends every environment`, async () => {
      const { holder, idlePid, busyPid } = await startHolder();
      const exited = new Promise((resolve) => holder.once("exit", resolve));
      holder.kill(signal);
      await exited;
      await eventually(() => !isAlive(idlePid), "the idle environment is gone");
      await eventually(() => !isAlive(busyPid), "the busy environment is gone");
    });
  }
});
