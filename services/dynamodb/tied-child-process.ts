/**
 * Runs a program that must not outlive Lambkin, even when Lambkin is SIGKILLed and has no chance to stop it
 * (DynamoDB Local: a JVM left behind holds its port and its data folder). Linux's prctl(PR_SET_PDEATHSIG) is not
 * reachable from Node and macOS has none, so the tie is a pipe: the program runs under a tiny POSIX shell wrapper
 * whose stdin is a pipe from Lambkin. Whatever way Lambkin ends, the kernel closes its end; the wrapper's watchdog
 * then reads end-of-file, sends the program SIGTERM and, if it has not gone after 10 s, SIGKILL. The wrapper exits
 * with the program's status, so its exit is the program's.
 *
 * The wrapper leads its own process group (detached), so that a terminal's Ctrl-C reaches Lambkin only, which stops
 * the program in order, and so that stop() can SIGKILL the wrapper and the program together as a last resort.
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface TiedChild {
  /** The wrapper: its stdout and stderr are the program's. */
  readonly process: ChildProcess;
  /** Resolves once the wrapper (so the program) has exited. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** Closes the pipe (the watchdog sends SIGTERM); after graceMs, SIGKILLs the process group. */
  stop(graceMs: number): Promise<void>;
}

// $1… is the program and its arguments. An asynchronous list gets /dev/null as stdin (POSIX), so the pipe is kept
// on fd 3 for the watchdog. `read` is a builtin: killing the watchdog's subshell leaves no process reading the pipe.
const WRAPPER = `
exec 3<&0
"$@" </dev/null 3<&- &
program=$!
(
  while read -r _ <&3; do :; done
  kill -TERM "$program" 2>/dev/null
  waited=0
  while kill -0 "$program" 2>/dev/null && [ "$waited" -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
  kill -KILL "$program" 2>/dev/null
) &
watchdog=$!
exec 3<&- </dev/null
wait "$program"
status=$?
kill "$watchdog" 2>/dev/null
exit "$status"
`;

export function spawnTiedToParent(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string },
): TiedChild {
  const child = spawn("/bin/sh", ["-c", WRAPPER, "lambkin-tied", command, ...args], {
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  // The pipe is only ever closed, never written: a wrapper that died first must not make Lambkin crash on EPIPE.
  child.stdin?.on("error", () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    // spawn errors (no /bin/sh) come as 'error' without 'exit'.
    child.once("error", () => resolve({ code: child.exitCode, signal: child.signalCode }));
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    process: child,
    exited,
    async stop(graceMs) {
      if (!running()) return;
      child.stdin?.destroy();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), graceMs);
      });
      const outcome = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (outcome === "late" && running() && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
        await exited;
      }
    },
  };
}
