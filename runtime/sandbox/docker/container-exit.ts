/**
 * Turns how a container ended into the SandboxExit that Lambda's words are made from
 * (exit-description.ts). The runtime runs under docker-init (tini), which exits with the runtime's
 * status, or 128+N when a signal N killed it. Lambda reports an out-of-memory kill as
 * `Runtime exited with error: signal: killed` (docs/lambda-behaviour.md §1.5), so 137 (128+SIGKILL: the
 * kernel's OOM killer, or Lambkin's own kill) and State.OOMKilled become SIGKILL. Other statuses above
 * 128 stay statuses: the Node runtime exits 128/129 on purpose, and Lambda prints those as
 * `exit status 129`.
 */
import type { SandboxExit } from "../sandbox.js";

const SIGKILL_STATUS = 128 + 9;

export function containerExit(statusCode: number | undefined, oomKilled = false): SandboxExit {
  if (oomKilled || statusCode === SIGKILL_STATUS) return { code: null, signal: "SIGKILL" };
  return { code: statusCode ?? null, signal: null };
}

/** The engine went away while the container ran: the environment is lost as if killed. */
export const ENGINE_LOST_EXIT: SandboxExit = { code: null, signal: "SIGKILL" };
