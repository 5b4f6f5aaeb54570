/**
 * An execution environment on Lambda Managed Instances (`capacityProvider`, docs/lambda-behaviour.md "Lambda
 * Managed Instances"): one sandboxed runtime that runs up to the function's maxConcurrency invocations at once,
 * as https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html describes:
 *
 * - Init ends when the runtime's first worker calls `/next`; invocations that arrive before wait for it, under
 *   the init limit plus their timeout (as a cold start's does).
 * - "Continuous operation": never frozen between invocations.
 * - "Parallel processing": each invocation goes to the next `/next` the runtime has open (runtime-api-core.ts
 *   keeps up to maxConcurrency of them); the pool hands it no more than maxConcurrency at once.
 * - "Independent timeouts": an invocation that runs out of time fails alone with Sandbox.Timedout; the runtime
 *   and the others go on. The runtime is not interrupted ("your code continues to run"): its late answer is
 *   refused as one to an unknown request id.
 * - The runtime exiting fails every invocation under way with Runtime.ExitError and ends the environment.
 * - Log lines belong to the invocation whose request id they carry (the Node runtime tags each line with it,
 *   text or JSON); other lines (init, a runtime's own) belong to the environment alone.
 *
 * Its END and REPORT lines are written once what the runtime wrote before its answer has been read (the drain
 * barrier, output-drain.ts); Max Memory Used is the environment's, as all invocations share its memory.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { FunctionLogSink } from "../logs/function-log-sink.js";
import { LogTail } from "../logs/log-tail.js";
import { timeoutLine } from "../logs/platform-lines.js";
import type { FunctionDefinition } from "../manifest/function-definition.js";
import { MAX_RUNTIME_PAYLOAD_BYTES } from "../runtime-api/runtime-api-limits.js";
import { type RuntimeApiListener, RuntimeApiServer } from "../runtime-api/runtime-api-server.js";
import { describeRuntimeExit } from "../sandbox/exit-description.js";
import { newLogStreamName } from "../sandbox/lambda-environment-variables.js";
import type { RunningSandbox, SandboxExit, SandboxProvider } from "../sandbox/sandbox.js";
import type { ServiceEndpoints } from "../sandbox/service-endpoints.js";
import { INIT_LIMIT_MS } from "./execution-environment.js";
import {
  type EnvironmentInvocation,
  errorBodyOrDefault,
  type InvocationOutcome,
  platformErrorPayload,
} from "./invocation.js";
import { InvocationLines, type LoggedInvocation, type Settlement } from "./invocation-lines.js";
import type { EnvironmentState, PooledEnvironment } from "./pooled-environment.js";

interface ActiveInvocation extends LoggedInvocation {
  /** When it was handed to the Runtime API: its deadline counts from here. */
  dispatchedAt?: number;
  /** When a `/next` of the runtime took it: START, and its duration. */
  deliveredAt?: number;
  timer?: NodeJS.Timeout;
}

/** The request id a runtime's log line carries: text `<time>\t<id>\t<LEVEL>\t…`, or JSON `"requestId":"<id>"`. */
function requestIdOf(line: string): string | undefined {
  if (line.startsWith("{")) return /"requestId":"([^"\\]{1,200})"/.exec(line)?.[1];
  const first = line.indexOf("\t");
  if (first < 0) return undefined;
  const second = line.indexOf("\t", first + 1);
  return second < 0 ? undefined : line.slice(first + 1, second);
}

export class ConcurrentExecutionEnvironment implements RuntimeApiListener, PooledEnvironment {
  readonly id = randomBytes(16).toString("hex");
  readonly capacity: number;
  state: EnvironmentState = "initializing";
  invocations = 0;
  lastUsedAt = Date.now();
  runtimeApiPort = 0;
  readonly logStreamName = newLogStreamName(this.id);
  readonly inspectorPort = undefined;
  private readonly server: RuntimeApiServer;
  private readonly lines: InvocationLines;
  private sandbox: RunningSandbox | undefined;
  /** Invocations handed to it and not settled, by request id (delivered, or waiting for init). */
  private readonly active = new Map<string, ActiveInvocation>();
  /** Invocations between their answer and their REPORT line: late log lines still belong to them. */
  private readonly settling = new Map<string, ActiveInvocation>();
  private readonly initStartedAt = performance.now();
  private initDurationMs: number | undefined;
  private initReported = false;
  private readyWaiters: ((state: "ready" | "dead") => void)[] = [];
  private readonly deathListeners: (() => void)[] = [];
  private highestMemoryMB = 0;

  private constructor(
    readonly fn: FunctionDefinition,
    logs: FunctionLogSink,
  ) {
    this.capacity = fn.managedInstances?.maxConcurrency ?? 1;
    this.lines = new InvocationLines(fn, logs, this.logStreamName);
    this.server = new RuntimeApiServer(this, this.capacity);
  }

  static async start(
    fn: FunctionDefinition,
    provider: SandboxProvider,
    logs: FunctionLogSink,
    serviceEndpoints?: ServiceEndpoints,
  ): Promise<ConcurrentExecutionEnvironment> {
    const environment = new ConcurrentExecutionEnvironment(fn, logs);
    environment.runtimeApiPort = await environment.server.listen(provider.runtimeApiBindHost);
    try {
      environment.sandbox = await provider.start({
        fn,
        environmentId: environment.id,
        runtimeApiAddress: `${provider.runtimeApiAdvertisedHost}:${environment.runtimeApiPort}`,
        logStreamName: environment.logStreamName,
        ...(serviceEndpoints ? { serviceEndpoints } : {}),
        restrictRuntimeApiTo: (peer) => environment.server.restrictTo(peer),
        restrictRuntimeApiToUid: (uid) => environment.server.restrictToUid(uid),
        attachRuntimeApiChannel: (channel) => environment.server.attachChannel(channel),
      });
    } catch (error) {
      environment.server.close();
      throw error;
    }
    environment.sandbox.onOutput((stream, line) => environment.runtimeOutput(stream, line));
    void environment.sandbox.exited.then((exit) => environment.runtimeExited(exit));
    return environment;
  }

  invoke(request: EnvironmentInvocation): Promise<InvocationOutcome> {
    if (this.state === "dead") throw new Error(`environment ${this.id} cannot take an invocation while dead`);
    this.invocations += 1;
    this.lastUsedAt = Date.now();
    return new Promise((resolve) => {
      const active: ActiveInvocation = { request, tail: new LogTail(), resolve };
      this.active.set(request.requestId, active);
      if (this.state === "ready") {
        this.dispatch(active);
        return;
      }
      const budget = INIT_LIMIT_MS + this.fn.timeout * 1000 - (performance.now() - this.initStartedAt);
      active.timer = setTimeout(() => this.timedOut(active), Math.max(0, budget));
    });
  }

  whenSettled(): Promise<"ready" | "dead"> {
    if (this.state === "ready" || this.state === "dead") return Promise.resolve(this.state);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  onDeath(listener: () => void): void {
    this.deathListeners.push(listener);
  }

  async destroy(): Promise<void> {
    await this.sandbox?.kill();
  }

  // ---- Runtime API events -------------------------------------------------------------------

  nextRequested(): void {
    if (this.state !== "initializing") return;
    this.initDurationMs = performance.now() - this.initStartedAt;
    this.samplePeakMemory();
    this.state = "ready";
    for (const waiter of this.readyWaiters.splice(0)) waiter("ready");
    for (const active of this.active.values()) if (active.dispatchedAt === undefined) this.dispatch(active);
  }

  response(requestId: string, body: Buffer, contentType?: string): void {
    this.settle(requestId, { payload: body, status: "success", contentType });
  }

  error(requestId: string, errorType: string | undefined, body: Buffer): void {
    this.settle(requestId, { payload: errorBodyOrDefault(errorType, body), status: "error", errorType });
  }

  initError(errorType: string | undefined, body: Buffer): void {
    for (const requestId of [...this.active.keys()])
      this.settle(requestId, { payload: errorBodyOrDefault(errorType, body), status: "error", errorType });
    void this.destroy();
  }

  delivered(requestId: string): void {
    const active = this.active.get(requestId);
    if (!active) return;
    active.deliveredAt = performance.now();
    this.lines.start(active);
  }

  responseTooLarge(requestId: string, sizeBytes: number): void {
    const errorType = "Function.ResponseSizeTooLarge";
    const message = `Response payload size (${sizeBytes} bytes) exceeded maximum allowed payload size (${MAX_RUNTIME_PAYLOAD_BYTES} bytes).`;
    this.settle(requestId, { payload: platformErrorPayload(errorType, message), status: "error", errorType });
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  private dispatch(active: ActiveInvocation): void {
    clearTimeout(active.timer);
    active.dispatchedAt = performance.now();
    const timeoutMs = this.fn.timeout * 1000;
    const { request } = active;
    this.server.deliver({
      requestId: request.requestId,
      payload: request.payload,
      deadlineMs: Date.now() + timeoutMs,
      invokedFunctionArn: request.invokedFunctionArn,
      traceId: request.traceId,
      clientContext: request.clientContext,
      cognitoIdentity: request.cognitoIdentity,
    });
    active.timer = setTimeout(() => this.timedOut(active), timeoutMs);
  }

  private timedOut(active: ActiveInvocation): void {
    const { requestId } = active.request;
    if (this.active.get(requestId) !== active) return;
    if (active.dispatchedAt !== undefined) {
      // Node's timers may fire a fraction of a millisecond early: the whole timeout first.
      const remainingMs = active.dispatchedAt + this.fn.timeout * 1000 - performance.now();
      if (remainingMs > 0) {
        active.timer = setTimeout(() => this.timedOut(active), Math.ceil(remainingMs));
        return;
      }
    }
    const elapsed = performance.now() - (active.dispatchedAt ?? this.initStartedAt);
    this.lines.platform(active, timeoutLine(requestId, elapsed));
    // Only this invocation fails: never delivered, it never will be; delivered, its answer will be refused.
    this.server.withdraw(requestId);
    const message = `RequestId: ${requestId} Error: Task timed out after ${this.fn.timeout.toFixed(2)} seconds`;
    this.settle(requestId, {
      payload: platformErrorPayload("Sandbox.Timedout", message),
      status: "timeout",
      errorType: "Sandbox.Timedout",
    });
  }

  private runtimeExited(exit: SandboxExit): void {
    for (const [requestId, active] of [...this.active]) {
      // No worker of a runtime that had finished init took it: another environment will run it (no line of it was
      // written here). A runtime that dies in init fails what waited for it, as a default environment does.
      if (active.deliveredAt === undefined && this.state !== "initializing") {
        this.active.delete(requestId);
        clearTimeout(active.timer);
        const message = `RequestId: ${requestId} Error: ${describeRuntimeExit(exit)}`;
        active.resolve({
          requestId,
          payload: platformErrorPayload("Runtime.ExitError", message),
          functionError: "Unhandled",
          status: "crash",
          errorType: "Runtime.ExitError",
          durationMs: 0,
          maxMemoryUsedMB: this.highestMemoryMB,
          logTail: active.tail,
          undelivered: true,
        });
        continue;
      }
      const message = `RequestId: ${requestId} Error: ${describeRuntimeExit(exit)}`;
      this.lines.platform(active, message);
      this.lines.platform(active, "Runtime.ExitError");
      this.settle(requestId, {
        payload: platformErrorPayload("Runtime.ExitError", message),
        status: "crash",
        errorType: "Runtime.ExitError",
      });
    }
    this.server.close();
    this.state = "dead";
    for (const waiter of this.readyWaiters.splice(0)) waiter("dead");
    for (const listener of this.deathListeners) listener();
  }

  private settle(requestId: string, settlement: Settlement): void {
    const active = this.active.get(requestId);
    if (!active) return;
    this.active.delete(requestId);
    this.settling.set(requestId, active);
    clearTimeout(active.timer);
    if (active.deliveredAt === undefined) this.lines.start(active);
    const durationMs = active.deliveredAt === undefined ? 0 : performance.now() - active.deliveredAt;
    const initDurationMs = this.initReported
      ? undefined
      : (this.initDurationMs ?? performance.now() - this.initStartedAt);
    this.initReported = true;
    const maxMemoryUsedMB = this.samplePeakMemory();
    this.lastUsedAt = Date.now();
    void this.outputDrained().then(() => {
      this.settling.delete(requestId);
      this.lines.end(active, settlement, { durationMs, initDurationMs, maxMemoryUsedMB });
    });
  }

  private outputDrained(): Promise<void> {
    return this.sandbox?.outputDrained() ?? Promise.resolve();
  }

  private samplePeakMemory(): number {
    this.highestMemoryMB = Math.max(this.highestMemoryMB, this.sandbox?.peakMemoryMB() ?? 0);
    return this.highestMemoryMB;
  }

  private runtimeOutput(stream: "stdout" | "stderr", line: string): void {
    const id = requestIdOf(line);
    this.lines.runtime(
      id === undefined ? undefined : (this.active.get(id) ?? this.settling.get(id)),
      line,
      stream,
    );
  }
}
