/**
 * What `lambkin dev --inspect` prints, for a person to attach a debugger: each inspected function's port, how
 * Chrome DevTools and VS Code reach it, and that its timeout is suspended.
 */
import type { InspectedFunction } from "./inspect-plan.js";
import { INSPECTOR_HOST } from "./inspector-ports.js";

/** AWS's remote debugging raises the invoke timeout to this (AWS Toolkit for VS Code, "Lambda remote debugging"). */
export const DEBUG_TIMEOUT_SECONDS = 900;

export function inspectedFunctionLine(inspected: InspectedFunction): string {
  return `inspect ${inspected.fn.name}: node inspector on ${INSPECTOR_HOST}:${inspected.port}`;
}

export function attachHintLines(inspected: readonly InspectedFunction[]): string[] {
  const ports = inspected.map((entry) => `${INSPECTOR_HOST}:${entry.port}`).join(", ");
  return [
    `attach: Chrome → chrome://inspect (Configure… → ${ports}), or the devtools:// URL of GET http://${INSPECTOR_HOST}:<port>/json/list; VS Code → .vscode/launch.json:`,
    JSON.stringify({ version: "0.2.0", configurations: inspected.map(launchConfiguration) }, null, 2),
    `timeouts of inspected functions are suspended: a function paused in the debugger is not cut at its timeout (AWS's remote debugging raises it to ${DEBUG_TIMEOUT_SECONDS} s; the context's deadline is ${DEBUG_TIMEOUT_SECONDS} s away); their environments are not frozen between invocations nor reaped when idle`,
  ];
}

/** `restart`: VS Code attaches again when the environment is replaced (a crash, a timeout, a reload). */
export function launchConfiguration(inspected: InspectedFunction): Record<string, unknown> {
  return {
    type: "node",
    request: "attach",
    name: `Lambkin: ${inspected.fn.name}`,
    address: INSPECTOR_HOST,
    port: inspected.port,
    restart: true,
    skipFiles: ["<node_internals>/**"],
  };
}
