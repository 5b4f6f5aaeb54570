/**
 * An execution environment: one sandboxed runtime and its Runtime API server, running one
 * invocation at a time and reused for the next (warm start). It owns the lifecycle of
 * docs/lambda-behaviour.md §1.5: init ends at the runtime's first /next; the invoke phase ends with
 * /response or /error, the function timeout (Sandbox.Timedout, environment reset), or the runtime
 * exiting (Runtime.ExitError, environment reset). Between invocations it is frozen.
 *
 * Under the inspector (`lambkin dev --inspect`, docs/lambda-behaviour.md "Timeouts while debugging") its
 * invocations are never cut at the function timeout — a function paused at a breakpoint would otherwise be
 * killed under the debugger — and it is not frozen between invocations: a SIGSTOPped process stops answering its
 * debugger, which then drops the session.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { DEBUG_TIMEOUT_SECONDS } from "../debugging/inspect-description.js";
import type { InspectorLease } from "../debugging/inspector-ports.js";
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
import { FreezeGrace } from "./freeze-grace.js";
import {
  type EnvironmentInvocation,
  errorBodyOrDefault,
  type InvocationOutcome,
  platformErrorPayload,
} from "./invocation.js";
import { InvocationLines, type LoggedInvocation, type Settlement } from "./invocation-lines.js";
import type { EnvironmentState, PooledEnvironment } from "./pooled-environment.js";

/** Lambda's init phase limit; past it, init goes on under the invocation's timeout (§1.5). */
export const INIT_LIMIT_MS = 10_000;
/**
 * How long an answered invocation waits for its runtime to come back to /next before its END/REPORT
 * lines are written and its outcome handed back (a runtime that lingers must not hold its caller).
 */
const RUNTIME_DONE_GRACE_MS = 100;

export type { EnvironmentState } from "./pooled-environment.js";

interface ActiveInvocation extends LoggedInvocation {
  deliveredAt?: number;
  timer?: NodeJS.Timeout;
}

export class ExecutionEnvironment implements RuntimeApiListener, PooledEnvironment {
  readonly id = randomBytes(16).toString("hex");
  readonly capacity = 1;
  state: EnvironmentState = "initializing";
  invocations = 0;
  lastUsedAt = Date.now();
  /** The port of this environment's own Runtime API server. */
  runtimeApiPort = 0;
  /** Its CloudWatch log stream, as the runtime's AWS_LAMBDA_LOG_STREAM_NAME says: every log line carries it. */
  readonly logStreamName = newLogStreamName(this.id);
  private readonly server = new RuntimeApiServer(this);
  private readonly lines: InvocationLines;
  private sandbox: RunningSandbox | undefined;
  private active: ActiveInvocation | undefined;
  /** The invocation between its answer and its REPORT line: late log lines still belong to it. */
  private settling: ActiveInvocation | undefined;
  private readonly initStartedAt = performance.now();
  private initDurationMs: number | undefined;
  private initReported = false;
  private stateWaiters: ((state: "ready" | "dead") => void)[] = [];
  private readonly deathListeners: (() => void)[] = [];
  private freezeTimer: NodeJS.Timeout | undefined;
  /** Lambda freezes an environment once its runtime is back in /next; Lambkin after this grace (freeze-grace.ts). */
  private readonly freezeGrace = new FreezeGrace();
  /**
   * The highest "Max Memory Used" read while the runtime was alive. Once it is dead (crash, OOM,
   * timeout kill) a sandbox may only know part of its peak, so REPORT never goes below this.
   */
  private highestMemoryMB = 0;

  private constructor(
    readonly fn: FunctionDefinition,
    logs: FunctionLogSink,
    private readonly inspector: InspectorLease | undefined,
  ) {
    this.lines = new InvocationLines(fn, logs, this.logStreamName);
  }

  /** The port of this environment's Node inspector, when its function is debugged. */
  get inspectorPort(): number | undefined {
    return this.inspector?.port;
  }

  /** Starts the runtime; init runs in the background and ends at its first /next. */
  static async start(
    fn: FunctionDefinition,
    provider: SandboxProvider,
    logs: FunctionLogSink,
    serviceEndpoints?: ServiceEndpoints,
    inspector?: InspectorLease,
  ): Promise<ExecutionEnvironment> {
    const environment = new ExecutionEnvironment(fn, logs, inspector);
    const port = await environment.server.listen(provider.runtimeApiBindHost);
    environment.runtimeApiPort = port;
    try {
      environment.sandbox = await provider.start({
        fn,
        environmentId: environment.id,
        runtimeApiAddress: `${provider.runtimeApiAdvertisedHost}:${port}`,
        logStreamName: environment.logStreamName,
        ...(serviceEndpoints ? { serviceEndpoints } : {}),
        restrictRuntimeApiTo: (peer) => environment.server.restrictTo(peer),
        restrictRuntimeApiToUid: (uid) => environment.server.restrictToUid(uid),
        attachRuntimeApiChannel: (channel) => environment.server.attachChannel(channel),
        ...(inspector
          ? { inspectorPort: inspector.port, inspectorBreakOnStart: inspector.breakOnStart }
          : {}),
      });
    } catch (error) {
      environment.server.close();
      inspector?.release();
      throw error;
    }
    environment.sandbox.onOutput((stream, line) => environment.runtimeOutput(stream, line));
    void environment.sandbox.exited.then((exit) => environment.runtimeExited(exit));
    return environment;
  }

  invoke(request: EnvironmentInvocation): Promise<InvocationOutcome> {
    if (this.state !== "initializing" && this.state !== "ready") {
      throw new Error(`environment ${this.id} cannot take an invocation while ${this.state}`);
    }
    this.invocations += 1;
    return new Promise((resolve) => {
      this.active = { request, tail: new LogTail(), resolve };
      if (this.state === "ready") {
        this.dispatch();
        return;
      }
      if (this.inspector) return; // debugged: init may sit at a breakpoint too
      // Cold start: the event waits for init; init may use its own limit, then the function timeout.
      const budget = INIT_LIMIT_MS + this.fn.timeout * 1000 - (performance.now() - this.initStartedAt);
      this.active.timer = setTimeout(() => this.timedOut(), Math.max(0, budget));
    });
  }

  /** For an environment that just answered: resolves once its runtime is back in /next, or dead. */
  whenSettled(): Promise<"ready" | "dead"> {
    if (this.state === "ready" || this.state === "dead") return Promise.resolve(this.state);
    return new Promise((resolve) => this.stateWaiters.push(resolve));
  }

  onDeath(listener: () => void): void {
    this.deathListeners.push(listener);
  }

  async destroy(): Promise<void> {
    await this.sandbox?.kill();
  }

  // ---- Runtime API events -------------------------------------------------------------------

  nextRequested(): void {
    if (this.initDurationMs === undefined) {
      this.initDurationMs = performance.now() - this.initStartedAt;
      this.samplePeakMemory(); // the runtime's footprint after init, in case it dies in its first invoke
    }
    if (this.active && this.active.deliveredAt === undefined) {
      this.dispatch();
      return;
    }
    this.setState("ready");
    if (this.inspector) return; // a frozen process would drop its debugger's session
    // Frozen only once what the runtime wrote so far has been read: a frozen environment's output
    // would otherwise reach Lambkin only at its next thaw, under the next invocation.
    const drained = this.outputDrained();
    const freezeTimer = setTimeout(() => {
      void drained.then(() => {
        if (this.freezeTimer === freezeTimer && this.state === "ready") this.sandbox?.freeze();
      });
    }, this.freezeGrace.idleStarted());
    this.freezeTimer = freezeTimer;
  }

  response(requestId: string, body: Buffer, contentType?: string): void {
    if (this.active?.request.requestId !== requestId) return;
    this.settle({ payload: body, status: "success", contentType });
  }

  error(requestId: string, errorType: string | undefined, body: Buffer): void {
    if (this.active?.request.requestId !== requestId) return;
    this.settle({ payload: errorBodyOrDefault(errorType, body), status: "error", errorType });
  }

  initError(errorType: string | undefined, body: Buffer): void {
    // Lambda resets the environment after a failed init; the runtime exits on its own too.
    if (this.active)
      this.settle({ payload: errorBodyOrDefault(errorType, body), status: "error", errorType });
    void this.destroy();
  }

  responseTooLarge(requestId: string, sizeBytes: number): void {
    if (this.active?.request.requestId !== requestId) return;
    const errorType = "Function.ResponseSizeTooLarge";
    const message = `Response payload size (${sizeBytes} bytes) exceeded maximum allowed payload size (${MAX_RUNTIME_PAYLOAD_BYTES} bytes).`;
    this.settle({ payload: platformErrorPayload(errorType, message), status: "error", errorType });
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  private dispatch(): void {
    const active = this.active;
    if (!active) return;
    clearTimeout(active.timer);
    this.setState("busy");
    clearTimeout(this.freezeTimer);
    this.freezeTimer = undefined;
    this.freezeGrace.idleEnded();
    this.sandbox?.thaw();
    this.lines.start(active);
    active.deliveredAt = performance.now();
    // Debugged: the deadline the handler sees is AWS's raised one, and nothing cuts the invocation.
    const timeoutMs = (this.inspector ? DEBUG_TIMEOUT_SECONDS : this.fn.timeout) * 1000;
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
    if (!this.inspector) active.timer = setTimeout(() => this.timedOut(), timeoutMs);
  }

  private timedOut(): void {
    const active = this.active;
    if (!active) return;
    // Node's timers run on the event loop's cached, millisecond clock and may fire a fraction of a
    // millisecond early: the invocation has its whole timeout before it is cut (REPORT ≥ the timeout).
    const remainingMs =
      (active.deliveredAt ?? Number.NEGATIVE_INFINITY) + this.fn.timeout * 1000 - performance.now();
    if (remainingMs > 0) {
      active.timer = setTimeout(() => this.timedOut(), Math.ceil(remainingMs));
      return;
    }
    const { requestId } = active.request;
    const elapsed = performance.now() - (active.deliveredAt ?? this.initStartedAt);
    this.lines.platform(active, timeoutLine(requestId, elapsed));
    this.samplePeakMemory(); // before the kill: a dead runtime's peak may no longer be readable
    // The environment is reset: the next invocation gets a fresh one (§2.5).
    void this.destroy();
    const message = `RequestId: ${requestId} Error: Task timed out after ${this.fn.timeout.toFixed(2)} seconds`;
    this.settle({
      payload: platformErrorPayload("Sandbox.Timedout", message),
      status: "timeout",
      errorType: "Sandbox.Timedout",
    });
  }

  private runtimeExited(exit: SandboxExit): void {
    const active = this.active;
    if (active) {
      const message = `RequestId: ${active.request.requestId} Error: ${describeRuntimeExit(exit)}`;
      this.lines.platform(active, message);
      this.lines.platform(active, "Runtime.ExitError");
      this.settle({
        payload: platformErrorPayload("Runtime.ExitError", message),
        status: "crash",
        errorType: "Runtime.ExitError",
      });
    }
    clearTimeout(this.freezeTimer);
    this.server.close();
    this.inspector?.release();
    this.setState("dead");
    for (const listener of this.deathListeners) listener();
  }

  private settle(settlement: Settlement): void {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    this.settling = active;
    clearTimeout(active.timer);
    if (this.state !== "dead") this.setState("finishing");
    if (active.deliveredAt === undefined) this.lines.start(active);
    const durationMs = active.deliveredAt === undefined ? 0 : performance.now() - active.deliveredAt;
    const initDurationMs = this.initReported
      ? undefined
      : (this.initDurationMs ?? performance.now() - this.initStartedAt);
    this.initReported = true;
    const maxMemoryUsedMB = this.samplePeakMemory();
    this.lastUsedAt = Date.now();
    // The invoke phase ends when the runtime is back in /next (or gone): what it logs until then, such
    // as the runtime's own report of a refused response, belongs to this invocation. Its log lines
    // are written before it calls, but its output and its Runtime API calls are read separately: END
    // waits for the drain barrier (output-drain.ts), so that they land before END/REPORT and in the Tail.
    this.whenRuntimeDone(() =>
      this.outputDrained().then(() => {
        if (this.settling === active) this.settling = undefined;
        this.lines.end(active, settlement, { durationMs, initDurationMs, maxMemoryUsedMB });
      }),
    );
  }

  /** Calls back once the runtime asks for its next event or exits; after RUNTIME_DONE_GRACE_MS at most. */
  private whenRuntimeDone(callback: () => void): void {
    let called = false;
    const once = () => {
      if (called) return;
      called = true;
      clearTimeout(grace);
      setImmediate(callback);
    };
    const grace = setTimeout(once, RUNTIME_DONE_GRACE_MS);
    if (this.state === "ready" || this.state === "dead") once();
    else this.stateWaiters.push(once);
  }

  /** Resolves once the runtime's output written until now has been read (see RunningSandbox). */
  private outputDrained(): Promise<void> {
    return this.sandbox?.outputDrained() ?? Promise.resolve();
  }

  private samplePeakMemory(): number {
    this.highestMemoryMB = Math.max(this.highestMemoryMB, this.sandbox?.peakMemoryMB() ?? 0);
    return this.highestMemoryMB;
  }

  private runtimeOutput(stream: "stdout" | "stderr", line: string): void {
    this.lines.runtime(this.active ?? this.settling, line, stream);
  }

  private setState(state: EnvironmentState): void {
    if (this.state === "dead") return;
    this.state = state;
    if (state === "ready" || state === "dead") {
      const waiters = this.stateWaiters;
      this.stateWaiters = [];
      for (const waiter of waiters) waiter(state);
    }
  }
}
