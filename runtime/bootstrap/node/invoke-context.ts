/**
 * InvokeContext: turns one `/next` answer's headers (docs/lambda-behaviour.md §1.2) and the environment (§1.4)
 * into the handler's context object (§2.3), and forwards the trace header to `_X_AMZN_TRACE_ID`.
 *
 * Reproduces the RIC's src/InvokeContext.js: the context is the callback context (callbackWaitsFor-
 * EmptyEventLoop, succeed, fail, done) with the environment and header fields assigned onto it in the
 * same order, so `JSON.stringify(context)` gives the same keys in the same order as on AWS.
 * `memoryLimitInMB` is a string; client context / cognito identity are parsed JSON or undefined;
 * `getRemainingTimeInMillis()` is `Lambda-Runtime-Deadline-Ms - Date.now()`.
 * Node 24 (`nodejs24Context`) follows the Node 24 RIC's ContextBuilder: no callback fields, an extra
 * `xRayTraceId`, header fields first.
 */
import type { IncomingHttpHeaders } from "node:http";
import { invokeData, invokeStore } from "./invoke-store.js";
import { setCurrentRequestId, setCurrentTenantId } from "./log-patch.js";

const HEADER = {
  clientContext: "lambda-runtime-client-context",
  cognitoIdentity: "lambda-runtime-cognito-identity",
  arn: "lambda-runtime-invoked-function-arn",
  requestId: "lambda-runtime-aws-request-id",
  deadlineMs: "lambda-runtime-deadline-ms",
  traceId: "lambda-runtime-trace-id",
  tenantId: "lambda-runtime-aws-tenant-id",
} as const;

export interface EnvironmentData {
  functionVersion: string | undefined;
  functionName: string | undefined;
  memoryLimitInMB: string | undefined;
  logGroupName: string | undefined;
  logStreamName: string | undefined;
}

export interface HeaderData {
  clientContext: unknown;
  identity: unknown;
  invokedFunctionArn: string | undefined;
  awsRequestId: string | undefined;
  tenantId: string | undefined;
  getRemainingTimeInMillis: () => number;
}

function environmentData(): EnvironmentData {
  const env = process.env;
  return {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
  };
}

/** Throws a readable error (which fails the invoke) when a JSON header is malformed, as the RIC. */
function parseJson(json: string | undefined, name: string): unknown {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${String(err)}`);
  }
}

/**
 * Header values arrive as UTF-8 bytes (a client context or identity may hold any text) and Node's
 * HTTP parser reads them one byte per character: read them back as UTF-8, as the RIC's native
 * client does.
 */
function fromUtf8Bytes(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII fast path on purpose
  return /^[\x00-\x7F]*$/.test(value) ? value : Buffer.from(value, "latin1").toString("utf8");
}

export class InvokeContext {
  private readonly headers: Record<string, string | undefined> = {};

  constructor(headers: IncomingHttpHeaders) {
    for (const [name, value] of Object.entries(headers)) {
      const text = Array.isArray(value) ? value.join(", ") : value;
      this.headers[name.toLowerCase()] = text === undefined ? undefined : fromUtf8Bytes(text);
    }
  }

  /** The request id; an invoke without one is a Runtime API bug (the RIC asserts the same). */
  get invokeId(): string {
    const id = this.headers[HEADER.requestId];
    if (!id) throw new Error("invocation id is missing or invalid");
    return id;
  }

  /** Runs `fn` (the handler) with this invoke's ids in the invoke store (invoke-store.ts). */
  inInvokeStore<T>(fn: () => T): T {
    const ids = {
      requestId: this.invokeId,
      traceId: this.headers[HEADER.traceId],
      tenantId: this.headers[HEADER.tenantId],
    };
    return invokeStore().run(invokeData(ids), fn);
  }

  /** Log lines written from now on carry this invoke's request (and tenant) id. */
  updateLoggingContext(): void {
    setCurrentRequestId(this.invokeId);
    setCurrentTenantId(this.headers[HEADER.tenantId]);
  }

  /** The Node ≤22 context: the callback context with environment then header fields assigned onto it. */
  attachEnvironmentData<T extends object>(callbackContext: T): T & EnvironmentData & HeaderData {
    this.forwardXRay();
    return Object.assign(callbackContext, environmentData(), this.headerData());
  }

  /** The Node 24 context (ContextBuilder.build): header fields, xRayTraceId, then environment fields. */
  nodejs24Context(): HeaderData & { xRayTraceId: string | undefined } & EnvironmentData {
    this.forwardXRay();
    const { getRemainingTimeInMillis, ...headerData } = this.headerData();
    return Object.assign(
      { ...headerData, xRayTraceId: this.headers[HEADER.traceId], getRemainingTimeInMillis },
      {
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      },
    );
  }

  private headerData(): HeaderData {
    const deadline = Number(this.headers[HEADER.deadlineMs]);
    return {
      clientContext: parseJson(this.headers[HEADER.clientContext], "ClientContext"),
      identity: parseJson(this.headers[HEADER.cognitoIdentity], "CognitoIdentity"),
      invokedFunctionArn: this.headers[HEADER.arn],
      awsRequestId: this.headers[HEADER.requestId],
      tenantId: this.headers[HEADER.tenantId],
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
  }

  /** `_X_AMZN_TRACE_ID` is this invoke's trace header, or unset when there is none. */
  private forwardXRay(): void {
    const traceId = this.headers[HEADER.traceId];
    if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
    else delete process.env._X_AMZN_TRACE_ID;
  }
}
