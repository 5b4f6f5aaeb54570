/**
 * The invoke store: per-invocation data (request id, X-Ray trace header, tenant id) that code deep inside a
 * handler reads without being handed the context — the AWS SDK v3 (its recursion-detection middleware sets
 * X-Amzn-Trace-Id from it), Powertools for AWS Lambda and X-Ray tooling. AWS publishes its contract as the npm
 * package `@aws/lambda-invoke-store` (https://github.com/awslabs/aws-lambda-invoke-store): "the Runtime Interface
 * Client automatically initializes the InvokeStore context at the beginning of each invocation", and the package's
 * `InvokeStore.getInstanceAsync()` returns the runtime's instance from `globalThis.awslambda.InvokeStore` when
 * there is one. Without it, that call makes a store nobody fills: `getRequestId()` is "-" and the SDK falls back to
 * `_X_AMZN_TRACE_ID`, which on Lambda Managed Instances belongs to no invocation in particular, since several share
 * the thread (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-nodejs-runtime.html).
 *
 * Same keys as the package (`Symbol.for`, so its `InvokeStoreBase.PROTECTED_KEYS` name ours) and the same two
 * variants, chosen as it chooses: one current context, replaced by each invocation, in the default
 * one-invocation-at-a-time environment; an AsyncLocalStorage scope per invocation when AWS_LAMBDA_MAX_CONCURRENCY
 * is set (Managed Instances). Protected keys cannot be set by user code; other keys can, for the invocation.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export const PROTECTED_KEYS = {
  REQUEST_ID: Symbol.for("_AWS_LAMBDA_REQUEST_ID"),
  X_RAY_TRACE_ID: Symbol.for("_AWS_LAMBDA_X_RAY_TRACE_ID"),
  TENANT_ID: Symbol.for("_AWS_LAMBDA_TENANT_ID"),
  TRACEPARENT: Symbol.for("_AWS_LAMBDA_TRACEPARENT"),
  TRACESTATE: Symbol.for("_AWS_LAMBDA_TRACESTATE"),
  BAGGAGE: Symbol.for("_AWS_LAMBDA_BAGGAGE"),
} as const;

const PROTECTED = new Set<PropertyKey>(Object.values(PROTECTED_KEYS));

export type InvokeData = Record<PropertyKey, unknown>;

/** What the Runtime API told about one invocation (its `/next` headers). */
export interface InvocationIds {
  readonly requestId: string;
  readonly traceId: string | undefined;
  readonly tenantId: string | undefined;
}

export function invokeData(ids: InvocationIds): InvokeData {
  const data: InvokeData = { [PROTECTED_KEYS.REQUEST_ID]: ids.requestId };
  if (ids.traceId) data[PROTECTED_KEYS.X_RAY_TRACE_ID] = ids.traceId;
  if (ids.tenantId) data[PROTECTED_KEYS.TENANT_ID] = ids.tenantId;
  return data;
}

abstract class InvokeStoreBase {
  static readonly PROTECTED_KEYS = PROTECTED_KEYS;

  abstract getContext(): InvokeData | undefined;
  abstract run<T>(context: InvokeData, fn: () => T): T;
  protected abstract writable(): InvokeData;

  hasContext(): boolean {
    return this.getContext() !== undefined;
  }

  isProtectedKey(key: PropertyKey): boolean {
    return PROTECTED.has(key);
  }

  get(key: PropertyKey): unknown {
    return this.getContext()?.[key];
  }

  set(key: PropertyKey, value: unknown): void {
    if (this.isProtectedKey(key)) {
      throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    }
    this.writable()[key] = value;
  }

  getRequestId(): string {
    return (this.get(PROTECTED_KEYS.REQUEST_ID) as string | undefined) ?? "-";
  }

  getXRayTraceId(): string | undefined {
    return this.get(PROTECTED_KEYS.X_RAY_TRACE_ID) as string | undefined;
  }

  getTenantId(): string | undefined {
    return this.get(PROTECTED_KEYS.TENANT_ID) as string | undefined;
  }

  getTraceparent(): string | undefined {
    return this.get(PROTECTED_KEYS.TRACEPARENT) as string | undefined;
  }

  getTracestate(): string | undefined {
    return this.get(PROTECTED_KEYS.TRACESTATE) as string | undefined;
  }

  getBaggage(): string | undefined {
    return this.get(PROTECTED_KEYS.BAGGAGE) as string | undefined;
  }
}

/** One invocation at a time: its context stays current until the next one starts (callbacks included). */
export class SingleInvokeStore extends InvokeStoreBase {
  private current: InvokeData | undefined;

  getContext(): InvokeData | undefined {
    return this.current;
  }

  run<T>(context: InvokeData, fn: () => T): T {
    this.current = context;
    return fn();
  }

  protected writable(): InvokeData {
    this.current ??= {};
    return this.current;
  }
}

/** Several invocations at once in one thread: each sees its own context, across awaits and timers. */
export class MultiInvokeStore extends InvokeStoreBase {
  private readonly scope = new AsyncLocalStorage<InvokeData>();

  getContext(): InvokeData | undefined {
    return this.scope.getStore();
  }

  run<T>(context: InvokeData, fn: () => T): T {
    return this.scope.run(context, fn);
  }

  protected writable(): InvokeData {
    const store = this.scope.getStore();
    if (!store) throw new Error("No context available");
    return store;
  }
}

export type InvokeStore = SingleInvokeStore | MultiInvokeStore;

let instance: InvokeStore | undefined;

/** This thread's store (made on first use, as the package decides: multi iff AWS_LAMBDA_MAX_CONCURRENCY is set). */
export function invokeStore(): InvokeStore {
  instance ??= "AWS_LAMBDA_MAX_CONCURRENCY" in process.env ? new MultiInvokeStore() : new SingleInvokeStore();
  return instance;
}
