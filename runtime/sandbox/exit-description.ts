/**
 * Describes how a runtime process ended in the words Lambda uses for `Runtime.ExitError`
 * (RIE rapid/handlers.go, which prints Go's os/exec ProcessState): `exit status 1`, `signal: killed`.
 */
import type { SandboxExit } from "./sandbox.js";

// Go's syscall signal strings (syscall/zerrors_linux_amd64.go), which is what RAPID prints.
const GO_SIGNAL_NAMES: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: "killed",
  SIGTERM: "terminated",
  SIGABRT: "aborted",
  SIGSEGV: "segmentation fault",
  SIGBUS: "bus error",
  SIGFPE: "floating point exception",
  SIGILL: "illegal instruction",
  SIGINT: "interrupt",
  SIGHUP: "hangup",
  SIGQUIT: "quit",
  SIGPIPE: "broken pipe",
  SIGTRAP: "trace/breakpoint trap",
  SIGUSR1: "user defined signal 1",
  SIGUSR2: "user defined signal 2",
  SIGXCPU: "CPU time limit exceeded",
  SIGXFSZ: "file size limit exceeded",
  SIGSYS: "bad system call",
};

/** "Runtime exited with error: exit status 3" | "Runtime exited with error: signal: killed" | "Runtime exited without providing a reason" */
export function describeRuntimeExit(exit: SandboxExit): string {
  if (exit.signal) {
    return `Runtime exited with error: signal: ${GO_SIGNAL_NAMES[exit.signal] ?? exit.signal.toLowerCase()}`;
  }
  if (exit.code === 0 || exit.code === null) return "Runtime exited without providing a reason";
  return `Runtime exited with error: exit status ${exit.code}`;
}
