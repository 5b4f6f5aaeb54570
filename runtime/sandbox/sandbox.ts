/**
 * The Sandbox port: start and stop one execution environment and report on it.
 * Adapters: `process` (a child process, the embedded default) and, later, `docker`.
 * Everything above this port (environment, pool, invoker) is the same whichever adapter runs it.
 */
import type { Duplex } from "node:stream";
import type { FunctionDefinition } from "../manifest/function-definition.js";
import type { ServiceEndpoints } from "./service-endpoints.js";

export interface SandboxSpec {
  readonly fn: FunctionDefinition;
  /** A unique id for this environment (also names its cgroup / container). */
  readonly environmentId: string;
  /** `host:port` of this environment's Runtime API, as seen from inside the environment. */
  readonly runtimeApiAddress: string;
  /** AWS_LAMBDA_LOG_STREAM_NAME: one per environment, as on Lambda. */
  readonly logStreamName: string;
  /**
   * The local AWS services the environment's SDK clients are pointed at (AWS_ENDPOINT_URL_*), as the host reaches
   * them: an adapter whose environments cannot reach the host's loopback maps them first (service-endpoints.ts).
   */
  readonly serviceEndpoints?: ServiceEndpoints;
  /**
   * An adapter that knows the one address the environment's requests come from (a container's IP)
   * calls this before the runtime starts, so that no other environment can reach this Runtime API
   * and take its invocations. (Processes on the host share 127.0.0.1: the process sandbox tells its
   * environments apart by user instead, below.)
   */
  readonly restrictRuntimeApiTo?: (peerAddress: string) => void;
  /**
   * An adapter that runs each environment as a user of its own (the isolated process sandbox) calls
   * this before the runtime starts: the Runtime API then serves only connections that user opened.
   */
  readonly restrictRuntimeApiToUid?: (uid: number) => void;
  /**
   * An adapter that starts Lambkin's own Node bootstrap with a private channel to its Runtime API (the process
   * sandbox: runtime/runtime-api/runtime-api-channel.ts) hands Lambkin's end here, before the runtime starts.
   */
  readonly attachRuntimeApiChannel?: (channel: Duplex) => void;
  /**
   * `lambkin dev --inspect`: the port a Node runtime's inspector listens on, on 127.0.0.1 of the host (the
   * process sandbox shares the host's network namespace). Adapters that cannot offer it ignore it (the docker
   * one: inspect-plan.ts warns and never asks).
   */
  readonly inspectorPort?: number;
  /** With `inspectorPort`: `--inspect-brk`, the runtime waits for a debugger before its first line. */
  readonly inspectorBreakOnStart?: boolean;
}

/** How a sandboxed runtime ended, in the terms Lambda reports it (Go's os/exec ProcessState). */
export interface SandboxExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export type OutputStream = "stdout" | "stderr";

export interface RunningSandbox {
  /** Every complete line the runtime writes, in order per stream. */
  onOutput(listener: (stream: OutputStream, line: string) => void): void;
  /**
   * Resolves once what the runtime wrote before this call has reached the output listeners: the
   * environment waits for it before an invocation's END line (and before freezing), so that every
   * line written before /response belongs to that invocation.
   */
  outputDrained(): Promise<void>;
  /** Resolves once the runtime (and everything it started) has exited. */
  readonly exited: Promise<SandboxExit>;
  /** Lambda freezes an environment between invocations; timers and background work resume on thaw. */
  freeze(): void;
  thaw(): void;
  /** Peak memory of the environment so far, in MB (REPORT's "Max Memory Used"). */
  peakMemoryMB(): number;
  /** Ends the environment at once (SIGKILL semantics) and resolves when it is gone. */
  kill(): Promise<void>;
}

export interface SandboxProvider {
  readonly name: "process" | "docker";
  /** The address the Runtime API servers listen on, on the host. */
  readonly runtimeApiBindHost: string;
  /** The host name environments use to reach the Runtime API servers. */
  readonly runtimeApiAdvertisedHost: string;
  start(spec: SandboxSpec): Promise<RunningSandbox>;
  /** Kills every environment this provider started; safe to call more than once. */
  close(): Promise<void>;
}
