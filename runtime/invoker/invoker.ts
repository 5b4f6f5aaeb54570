/**
 * The Invoker: the one path every invocation takes, whatever produced it (CLI, gateway, Invoke
 * API, triggers). It resolves the function, validates the request, applies the concurrency caps
 * (a synchronous call over a cap is refused at once, §4), runs the invocation in a warm or new
 * environment and hands back the outcome. Function errors are outcomes; refusals are ServiceErrors.
 */
import {
  type ConcurrencyLease,
  type ConcurrencyLimiter,
  ConcurrencyUnavailableError,
} from "../concurrency/concurrency-limiter.js";
import type { LeaseShelf } from "../concurrency/lease-shelf.js";
import { type InvocationOutcome, platformErrorPayload } from "../environment/invocation.js";
import type { PooledEnvironment } from "../environment/pooled-environment.js";
import {
  concurrencyUnavailable,
  ServiceError,
  type ThrottleReason,
  throttled,
} from "../errors/service-errors.js";
import { buildInvocationRequest, type InvocationRequest } from "../invocation/invocation-request.js";
import { resolveFunction } from "../invocation/resolve-function.js";
import { type FunctionLogSink, silentFunctionLogSink } from "../logs/function-log-sink.js";
import { summaryOfOutcome, summaryOfThrottle } from "../logs/invocation-summary.js";
import { LogTail } from "../logs/log-tail.js";
import { endLine, reportLine, startLine } from "../logs/platform-lines.js";
import type { FunctionDefinition } from "../manifest/function-definition.js";
import type { FunctionRegistry } from "../manifest/function-registry.js";
import type { EnvironmentPool } from "../pool/environment-pool.js";
import { SandboxStartError } from "../sandbox/sandbox-start-error.js";
import { functionArn } from "./function-arn.js";
import { decodeClientContext } from "./invoke-request.js";

export interface InvokeOptions {
  /** `$LATEST` is the only version Lambkin runs. */
  readonly qualifier?: string;
  /** X-Amz-Client-Context as sent: base64 JSON. */
  readonly clientContextBase64?: string;
  readonly cognitoIdentity?: string;
  readonly requestId?: string;
}

/** How run() gets its unit of concurrency. */
export interface RunOptions {
  /**
   * A unit taken for this request elsewhere and handed over by its lease id (a cluster gateway takes it in the
   * same step as it queues the request): it is adopted, not acquired again.
   */
  readonly handedOverLease?: string;
  /**
   * An asynchronous event: its unit may stay on the invoker's LeaseShelf for a moment for the next invocation of
   * the function (lease-shelf.ts), when the invoker keeps one.
   */
  readonly shelveLease?: boolean;
}

export interface InvokeResult extends InvocationOutcome {
  readonly functionName: string;
  readonly executedVersion: "$LATEST";
  /** The code revision that ran it (its CodeSha256, runtime/revision/), when the function has one. */
  readonly codeRevision?: string;
}

export class Invoker {
  /** Invocations under way, for a shutdown that lets them finish (see drained). */
  private readonly running = new Set<Promise<InvokeResult>>();

  constructor(
    private readonly registry: FunctionRegistry,
    private readonly pool: EnvironmentPool,
    private readonly concurrency: ConcurrencyLimiter,
    private readonly logs: FunctionLogSink = silentFunctionLogSink,
    /** Where asynchronous invocations leave their unit for the next one; none = every unit released at once. */
    private readonly leaseShelf?: LeaseShelf,
  ) {}

  /** Resolves a name, key or ARN (with an optional `:$LATEST` qualifier) or throws ResourceNotFoundException. */
  resolveFunction(reference: string, qualifier?: string): FunctionDefinition {
    return resolveFunction(this.registry, reference, qualifier);
  }

  /**
   * Validates and runs one synchronous invocation: a convenience for callers that hold a reference and a
   * payload (the CLI, tests); producers build an InvocationRequest and call run().
   */
  invoke(reference: string, payload: Buffer | string, options: InvokeOptions = {}): Promise<InvokeResult> {
    let request: InvocationRequest;
    try {
      request = buildInvocationRequest(this, {
        reference,
        payload,
        invocationType: "RequestResponse",
        source: "invoker",
        ...options,
        ...(options.clientContextBase64 === undefined ? {} : { clientContext: options.clientContextBase64 }),
      });
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run(request);
  }

  /** Runs a request built (and validated) by buildInvocationRequest, in a warm or a new environment. */
  run(request: InvocationRequest, options: RunOptions = {}): Promise<InvokeResult> {
    const invocation = this.execute(request, options);
    this.summarize(request, invocation);
    this.running.add(invocation);
    invocation.then(
      () => this.running.delete(invocation),
      () => this.running.delete(invocation),
    );
    return invocation;
  }

  /** How many invocations are under way. */
  get inFlight(): number {
    return this.running.size;
  }

  /**
   * Resolves once no invocation is under way, those that start meanwhile included. Each one ends by
   * its function timeout at the latest (after its init, for a cold start): the environment enforces it.
   */
  async drained(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * Gives back a unit handed over for a request that will not run (taken after its deadline). A function this
   * process does not know has no pool to name: its unit then frees when its lease expires.
   */
  discardHandedOver(request: InvocationRequest, leaseId: string): void {
    let fn: FunctionDefinition;
    try {
      fn = this.resolveFunction(request.functionName, request.qualifier);
    } catch {
      return;
    }
    void this.concurrency.adopt(fn, leaseId).release();
  }

  /** Hands the sink the invocation's one-record summary once it is over (or refused over a cap). */
  private summarize(request: InvocationRequest, invocation: Promise<InvokeResult>): void {
    const { logs } = this;
    if (!logs.invocation) return;
    const memorySizeMB = () => this.registry.resolve(request.functionName)?.memorySize;
    invocation.then(
      (result) => logs.invocation?.(summaryOfOutcome(request, result, memorySizeMB())),
      (error: unknown) => {
        if (error instanceof ServiceError && error.errorName === "TooManyRequestsException")
          logs.invocation?.(summaryOfThrottle(request, memorySizeMB()));
      },
    );
  }

  private async execute(request: InvocationRequest, options: RunOptions): Promise<InvokeResult> {
    const fn = this.resolveFunction(request.functionName, request.qualifier);
    // Adopted first: a request refused below still gives its handed-over unit back.
    const adopted =
      options.handedOverLease === undefined ? undefined : this.concurrency.adopt(fn, options.handedOverLease);
    let clientContext: ReturnType<typeof decodeClientContext>;
    try {
      clientContext = decodeClientContext(request.clientContext);
    } catch (error) {
      void adopted?.release();
      throw error;
    }
    const lease = adopted ?? this.leaseShelf?.take(shelfKey(fn)) ?? (await this.acquireConcurrency(fn));
    const { requestId } = request;
    try {
      for (let attempt = 1; ; attempt++) {
        const environment = await this.environmentFor(fn, requestId);
        // The revision of the environment that runs it, which may be newer than `fn`'s when a reload swapped the
        // definition while the environment was starting (lambkin-runtime.ts holdEnvironmentStarts).
        const revision = ("payload" in environment ? fn : environment.fn).codeRevision;
        const ran = {
          functionName: fn.name,
          executedVersion: "$LATEST" as const,
          ...(revision ? { codeRevision: revision.codeSha256 } : {}),
        };
        if ("payload" in environment) return { ...environment, ...ran };
        let outcome: InvocationOutcome;
        try {
          outcome = await environment.invoke({
            requestId,
            payload: request.payload,
            invokedFunctionArn: functionArn(fn, request.qualifier),
            traceId: request.traceId,
            clientContext,
            cognitoIdentity: request.cognitoIdentity,
          });
        } finally {
          this.pool.release(environment);
        }
        // Managed Instances: the runtime ended before it took the event, which runs in another environment.
        if (outcome.undelivered && attempt < MAX_UNDELIVERED_ATTEMPTS) continue;
        return { ...outcome, ...ran };
      }
    } finally {
      // Not awaited: the outcome does not wait for the store; release never rejects.
      if (options.shelveLease && this.leaseShelf) this.leaseShelf.put(shelfKey(fn), lease);
      else void lease.release();
    }
  }

  /** A unit of concurrency, or the refusal: TooManyRequestsException over a cap, ServiceException without a store. */
  private async acquireConcurrency(fn: FunctionDefinition): Promise<ConcurrencyLease> {
    let acquired: ConcurrencyLease | ThrottleReason;
    try {
      acquired = await this.concurrency.tryAcquire(fn);
    } catch (error) {
      if (error instanceof ConcurrencyUnavailableError) throw concurrencyUnavailable(error);
      throw error;
    }
    if (typeof acquired === "string") throw throttled(acquired);
    return acquired;
  }

  private async environmentFor(
    fn: FunctionDefinition,
    requestId: string,
  ): Promise<PooledEnvironment | InvocationOutcome> {
    try {
      return await this.pool.acquire(fn);
    } catch (error) {
      if (!(error instanceof SandboxStartError)) throw error;
      return startFailure(fn, requestId, error, this.logs);
    }
  }
}

/** How many environments an invocation that none of them took is offered to (InvocationOutcome.undelivered). */
const MAX_UNDELIVERED_ATTEMPTS = 3;

/** An environment that could not start fails the invocation the way Lambda reports it. */
function startFailure(
  fn: FunctionDefinition,
  requestId: string,
  error: SandboxStartError,
  logs: FunctionLogSink,
): InvocationOutcome {
  const message = `RequestId: ${requestId} Error: ${error.message}`;
  const tail = new LogTail();
  const report = reportLine({ requestId, durationMs: 0, memorySizeMB: fn.memorySize, maxMemoryUsedMB: 0 });
  for (const line of [startLine(requestId), message, error.errorType, endLine(requestId), report]) {
    tail.append(line);
    logs.line(fn.name, requestId, line, "platform");
  }
  return {
    requestId,
    payload: platformErrorPayload(error.errorType, message),
    functionError: "Unhandled",
    status: "error",
    errorType: error.errorType,
    durationMs: 0,
    maxMemoryUsedMB: 0,
    logTail: tail,
    environmentStartFailed: true,
  };
}

/**
 * Shelved units are kept per function AND reservation: a reload that changes reservedConcurrency
 * (ConcurrencyLimiter.replan) must not hand a unit counted under the old plan to an invocation under the new.
 */
function shelfKey(fn: FunctionDefinition): string {
  return `${fn.name}\0${fn.reservedConcurrency ?? "unreserved"}`;
}
