/**
 * Which functions of a deployment run under the Node inspector, and the stable port of each: the base port plus
 * the function's index among every function of the deployment in sorted order, so that a function keeps its port
 * across restarts of `lambkin dev` whatever else is inspected (a VS Code launch configuration stays valid).
 *
 * Only Node runtimes have the Node inspector; a function of another runtime, or one that runs in a container (an
 * image function, or LAMBKIN_SANDBOX=docker, whose environments do not share the host's network), gets a coded
 * warning and runs as usual.
 */
import { ConfigError } from "../errors/config-error.js";
import type { LambkinCode } from "../errors/lambkin-codes.js";
import { type FunctionDefinition, isNodeRuntime } from "../manifest/function-definition.js";
import type { SandboxKind } from "../sandbox/sandbox-factory.js";
import type { InspectRequest } from "./inspect-request.js";

export interface InspectedFunction {
  readonly fn: FunctionDefinition;
  /** Its first environment's inspector port; a second concurrent environment takes the next free one. */
  readonly port: number;
  /** `--inspect-brk`: its runtime waits for a debugger, then stops at its first line. */
  readonly breakOnStart: boolean;
}

export interface InspectWarning {
  readonly code: LambkinCode;
  readonly message: string;
}

export interface InspectPlan {
  /** By function name. */
  readonly inspected: ReadonlyMap<string, InspectedFunction>;
  readonly warnings: readonly InspectWarning[];
}

export function planInspection(
  request: InspectRequest,
  functions: readonly FunctionDefinition[],
  sandbox: SandboxKind,
): InspectPlan {
  const sorted = [...functions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const chosen = request.functions === "all" ? sorted.filter((fn) => isNodeRuntime(fn.runtime)) : [];
  if (request.functions !== "all") {
    for (const name of request.functions) {
      const matches = sorted.filter((fn) => fn.name === name || fn.key === name);
      if (matches.length === 0) {
        throw new ConfigError(
          `--inspect=${name}: no function of that name or serverless.yml key (functions: ${sorted.map((fn) => fn.name).join(", ") || "none"})`,
          "LKN_ERR_CONFIG_INSPECT_FUNCTION",
        );
      }
      for (const fn of matches) if (!chosen.includes(fn)) chosen.push(fn);
    }
  }
  const last = request.basePort + sorted.length - 1;
  if (last > 65535) {
    throw new ConfigError(
      `--inspect-port ${request.basePort}: ${sorted.length} functions need ports up to ${last}, past 65535`,
      "LKN_ERR_CONFIG_INSPECT_PORT",
    );
  }
  const inspected = new Map<string, InspectedFunction>();
  const warnings: InspectWarning[] = [];
  for (const fn of chosen) {
    if (!isNodeRuntime(fn.runtime)) {
      warnings.push({
        code: "LKN_WRN_INSPECT_RUNTIME_NOT_NODE",
        message: `--inspect: ${fn.name} runs ${fn.runtime}, not Node: it runs without a debugger`,
      });
    } else if (fn.managedInstances) {
      warnings.push({
        code: "LKN_WRN_INSPECT_MANAGED_INSTANCES",
        message: `--inspect: ${fn.name} runs on Lambda Managed Instances (capacityProvider), several invocations per environment: it runs without a debugger`,
      });
    } else if (sandbox === "docker" || fn.image) {
      warnings.push({
        code: "LKN_WRN_INSPECT_NEEDS_PROCESS_SANDBOX",
        message: `--inspect: ${fn.name} runs in a container (${fn.image ? "an image function" : "LAMBKIN_SANDBOX=docker"}), whose inspector the host cannot reach: it runs without a debugger; use the process sandbox (LAMBKIN_SANDBOX=process) to debug it`,
      });
    } else {
      const breakOnStart =
        request.breakOnStart === "all" ||
        (request.breakOnStart?.some((name) => name === fn.name || name === fn.key) ?? false);
      inspected.set(fn.name, { fn, port: request.basePort + sorted.indexOf(fn), breakOnStart });
    }
  }
  return { inspected, warnings };
}
