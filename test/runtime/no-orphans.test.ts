// No orphans (issues #2, #7): when Lambkin stops — SIGTERM, SIGINT, or even SIGKILL — every execution
// environment it started is gone, idle (frozen) and busy (spinning in user code) alike, and so is every
// process they started, even one that left their process group and session (setsid).
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandOf, eventually, processesMarked, uniqueMarker } from "./process/marked-processes.js";

const SCRIPT = join(import.meta.dirname, "..", "fixtures", "lifecycle", "hold-environments.mjs");

async function startHolder(marker: string): Promise<ChildProcess> {
  const holder = spawn(process.execPath, [SCRIPT], {
    env: { ...process.env, MARKER: marker },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.once("data", () => resolve());
    holder.once("exit", (code) => reject(new Error(`holder exited early (${code})`)));
  });
  const environmentProcesses = () => processesMarked(marker).filter((pid) => pid !== holder.pid);
  await eventually(
    () => environmentProcesses().some((pid) => commandOf(pid).includes("sleep 1000")),
    "the busy environment started its detached grandchild",
  );
  const runtimes = environmentProcesses().filter((pid) => commandOf(pid).startsWith(`${process.execPath} `));
  expect(runtimes.length, "an idle and a busy runtime").toBe(2);
  return holder;
}

describe("no orphaned environments", () => {
  for (const signal of ["SIGTERM", "SIGINT", "SIGKILL"] as const) {
    it(`${signal} to Lambkin ends every environment and everything they started`, async () => {
      const marker = uniqueMarker(`orphans-${signal}`);
      const holder = await startHolder(marker);
      const exited = new Promise((resolve) => holder.once("exit", resolve));
      holder.kill(signal);
      await exited;
      await eventually(() => processesMarked(marker).length === 0, "no process of any environment is left");
    });
  }
});
