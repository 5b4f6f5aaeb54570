/**
 * What the environment pool and the invoker see of an execution environment, whichever kind it is: one
 * invocation at a time (execution-environment.ts, Lambda's default) or several at once (concurrent-environment.ts,
 * Lambda Managed Instances).
 */
import type { FunctionDefinition } from "../manifest/function-definition.js";
import type { EnvironmentInvocation, InvocationOutcome } from "./invocation.js";

export type EnvironmentState = "initializing" | "ready" | "busy" | "finishing" | "dead";

export interface PooledEnvironment {
  readonly id: string;
  readonly fn: FunctionDefinition;
  readonly state: EnvironmentState;
  /** How many invocations it may run at once: 1, or the function's maxConcurrency on Managed Instances. */
  readonly capacity: number;
  /** Invocations it has been handed so far. */
  readonly invocations: number;
  lastUsedAt: number;
  /** The port of its own Runtime API server. */
  readonly runtimeApiPort: number;
  readonly logStreamName: string;
  /** The port of its Node inspector, when its function is debugged. */
  readonly inspectorPort: number | undefined;
  invoke(request: EnvironmentInvocation): Promise<InvocationOutcome>;
  /** Resolves once it can take an invocation (its runtime is back in /next), or is dead. */
  whenSettled(): Promise<"ready" | "dead">;
  onDeath(listener: () => void): void;
  destroy(): Promise<void>;
}
