/**
 * What `lambkin dev --inspect[=function]` asked for: which functions run under the Node inspector, and the base
 * port their inspectors are numbered from (`--inspect-port`, else LAMBKIN_INSPECT_PORT, else 9229, Node's own
 * default, https://nodejs.org/en/learn/getting-started/debugging).
 */
import { ConfigError } from "../errors/config-error.js";

export const DEFAULT_INSPECT_PORT = 9229;

/** Function names or serverless.yml keys; `all` = every Node function (a bare `--inspect`). */
export type FunctionSelection = "all" | readonly string[];

export interface InspectRequest {
  readonly functions: FunctionSelection;
  /** `--inspect-brk`: these functions' runtimes wait for a debugger before their first line (init included). */
  readonly breakOnStart?: FunctionSelection;
  readonly basePort: number;
}

/**
 * `values`: what the command line gave, one entry per `--inspect` (comma-separated lists allowed); `*` or
 * an empty value is a bare `--inspect`. Undefined: no `--inspect` at all.
 */
export function inspectRequestFrom(
  values: readonly string[] | undefined,
  port: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  breakValues?: readonly string[],
): InspectRequest | undefined {
  if (values === undefined && breakValues === undefined) {
    if (port !== undefined)
      throw new ConfigError("--inspect-port needs --inspect", "LKN_ERR_CONFIG_INSPECT_PORT");
    return undefined;
  }
  const inspect = values === undefined ? [] : selectionOf(values);
  const breakOnStart = breakValues === undefined ? undefined : selectionOf(breakValues);
  return {
    functions: union(inspect, breakOnStart ?? []),
    ...(breakOnStart ? { breakOnStart } : {}),
    basePort: basePortFrom(port ?? env.LAMBKIN_INSPECT_PORT),
  };
}

function selectionOf(values: readonly string[]): FunctionSelection {
  const names = values.flatMap((value) => value.split(",")).map((name) => name.trim());
  return names.some((name) => name === "" || name === "*") ? "all" : [...new Set(names)];
}

function union(a: FunctionSelection, b: FunctionSelection): FunctionSelection {
  return a === "all" || b === "all" ? "all" : [...new Set([...a, ...b])];
}

function basePortFrom(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_INSPECT_PORT;
  const port = Number(value);
  // Below 1024 would need privileges; an environment's inspector is started by an unprivileged user.
  if (!/^\d+$/.test(value) || port < 1024 || port > 65535) {
    throw new ConfigError(
      `the inspector's base port (--inspect-port / LAMBKIN_INSPECT_PORT) must be a port from 1024 to 65535 (got "${value}")`,
      "LKN_ERR_CONFIG_INSPECT_PORT",
    );
  }
  return port;
}
