/**
 * The node option that starts an environment's inspector: `--inspect=127.0.0.1:PORT` on the runtime's own command
 * line, never NODE_OPTIONS, which is the function's to set (as on Lambda) and which the processes it spawns
 * inherit (they would fight over the port). Always the loopback address: an inspector lets whoever connects run
 * any code as the function (https://nodejs.org/en/learn/getting-started/security-best-practices), so it must
 * never listen on 0.0.0.0. `--inspect`, not `--inspect-brk`: the runtime starts and initializes at once, and a
 * debugger attached before the first request stops at its breakpoints in the handler. `--inspect-brk` (asked for
 * with `lambkin dev --inspect-brk`) waits for a debugger before the first line, so that init code can be stepped.
 */
import { INSPECTOR_HOST } from "./inspector-ports.js";

export function inspectorArguments(port: number | undefined, breakOnStart = false): string[] {
  if (port === undefined) return [];
  return [`${breakOnStart ? "--inspect-brk" : "--inspect"}=${INSPECTOR_HOST}:${port}`];
}
