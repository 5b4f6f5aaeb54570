/**
 * Decides, once per process-sandbox provider, whether environments run isolated (bwrap-command.ts:
 * a user, /tmp, pid and mount namespace of their own) or as plain child processes of Lambkin, from
 * LAMBKIN_PROCESS_ISOLATION (`auto`, the default: isolated where the host allows it; `on`: isolated or
 * refuse to start; `off`) and from what the host offers: Lambkin must run as root (bwrap then needs no
 * user namespace, and setpriv may switch to the environment's uid), with bwrap and setpriv installed,
 * and a trial sandbox must run. Unisolated, the process sandbox is not a security boundary.
 */
import { spawnSync } from "node:child_process";
import { coded, type LambkinCode } from "../../errors/lambkin-codes.js";
import { BWRAP, bwrapArguments, SETPRIV } from "./bwrap-command.js";
import { isExecutable } from "./code-permissions.js";
import { DEFAULT_UID_BASE, SandboxUsers, UID_RANGE_SIZE } from "./sandbox-users.js";

export type ProcessIsolationSetting = "auto" | "on" | "off";

export type IsolationDecision =
  | { readonly isolated: true; readonly users: SandboxUsers }
  | { readonly isolated: false; readonly reason: string };

const PROBE_TIMEOUT_MS = 10_000;

export function processIsolationSettingFrom(value: string | undefined): ProcessIsolationSetting {
  if (value === undefined || value === "" || value === "auto") return "auto";
  if (value === "on" || value === "off") return value;
  throw new Error(`LAMBKIN_PROCESS_ISOLATION must be "auto", "on" or "off" (got "${value}")`);
}

export function uidBaseFrom(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_UID_BASE;
  const base = Number(value);
  if (!Number.isInteger(base) || base < 1 || base + UID_RANGE_SIZE > 2 ** 32 - 2) {
    throw new Error(
      `LAMBKIN_SANDBOX_UID_BASE must be a uid from 1 to ${2 ** 32 - 2 - UID_RANGE_SIZE} (got "${value}")`,
    );
  }
  return base;
}

/** Throws (coded) when isolation is required and impossible. */
export function decideIsolation(setting: ProcessIsolationSetting, uidBase: number): IsolationDecision {
  if (setting === "off") return { isolated: false, reason: "LAMBKIN_PROCESS_ISOLATION=off" };
  const reason = whyNotIsolated(uidBase);
  if (typeof reason !== "string") return { isolated: true, users: reason };
  if (setting === "on") {
    throw new Error(
      coded(
        "LKN_ERR_SANDBOX_ISOLATION_UNAVAILABLE",
        `LAMBKIN_PROCESS_ISOLATION=on, but the process sandbox cannot be isolated here: ${reason}. ` +
          "Run Lambkin as root with bubblewrap installed (apt-get install bubblewrap), or use LAMBKIN_SANDBOX=docker.",
      ),
    );
  }
  return { isolated: false, reason };
}

/** The one warning an unisolated process sandbox gives at start: what a function can do here. */
export const UNISOLATED_WARNING = "LKN_WRN_SANDBOX_PROCESS_UNISOLATED" satisfies LambkinCode;

export function unisolatedWarning(reason: string): string {
  return (
    `The process sandbox is not isolated (${reason}): functions run as Lambkin's own user, see the host's ` +
    "files, /tmp and processes (with Lambkin's environment variables in /proc), can reach other " +
    "environments' Runtime APIs, and processes they detach may outlive them. It is not a security " +
    "boundary; LAMBKIN_SANDBOX=docker is."
  );
}

function whyNotIsolated(uidBase: number): string | SandboxUsers {
  if (process.platform !== "linux") return `${process.platform} is not Linux`;
  const uid = process.getuid?.();
  if (uid !== 0) return `Lambkin runs as uid ${uid}, not root`;
  for (const tool of [BWRAP, SETPRIV]) {
    if (!isExecutable(tool)) return `${tool} is missing (Debian: apt-get install bubblewrap util-linux)`;
  }
  const users = new SandboxUsers(uidBase);
  let user: ReturnType<SandboxUsers["allocate"]>;
  try {
    users.prepare();
    user = users.allocate();
  } catch (error) {
    return `cannot allocate a sandbox user: ${(error as Error).message}`;
  }
  try {
    const probe = spawnSync(
      BWRAP,
      bwrapArguments({
        uid: user.uid,
        tmpDir: user.tmpDir,
        taskRoot: user.tmpDir,
        readOnly: [],
        command: "/bin/sh",
        args: ["-c", `test "$(id -u)" = ${user.uid} && test -w /tmp`],
      }),
      { stdio: ["ignore", "ignore", "pipe", "pipe"], timeout: PROBE_TIMEOUT_MS, encoding: "utf8" },
    );
    if (probe.status === 0) return users;
    const detail =
      String(probe.stderr ?? "")
        .trim()
        .split("\n")[0] || `exit ${probe.status ?? probe.signal}`;
    return `a trial bwrap sandbox failed: ${detail}`;
  } finally {
    user.release();
  }
}
