/**
 * One runtime worker thread on Lambda Managed Instances (managed-runtime.ts): loads the handler once, then runs
 * `slots` invoke loops at once — each its own `GET /next`, handler call and answer — over the thread's own Runtime
 * API channel in the process sandbox (`channelFd`), else over HTTP to AWS_LAMBDA_RUNTIME_API.
 *
 * What a handler sees differs from Lambda's default as the Managed Instances docs say it does
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-nodejs-runtime.html): concurrent
 * invocations in one thread share its module state; each log line carries the request id of the invocation whose
 * code wrote it, and code reading `awslambda.InvokeStore` (the AWS SDK's trace header, Powertools) gets its own
 * request id, trace header and tenant id: one AsyncLocalStorage scope per invocation (invoke-store.ts), behind the
 * runtime's global request-id symbol too, so console, JSON logs and those tools agree; nothing waits for an empty event loop (the loop is shared:
 * callbackWaitsForEmptyEventLoop has no effect) — an invocation ends when its promise settles or its callback is
 * called, and a synchronous handler that takes no callback ends with `null` once it returns.
 */
import { parentPort, workerData } from "node:worker_threads";
import "./package.json";
import {
  checkForDeprecatedCallback,
  errorOnDeprecatedCallback,
  isNodejs24Mode,
} from "./callback-deprecation.js";
import { ChannelClient } from "./channel-client.js";
import { toRapidResponse, UnhandledPromiseRejection } from "./errors.js";
import { InvokeContext } from "./invoke-context.js";
import { invokeStore } from "./invoke-store.js";
import { patchConsole, structuredConsole } from "./log-patch.js";
import type { CrashedMessage, InitFailedMessage, ManagedWorkerData } from "./managed-runtime.js";
import { EXIT_RUNTIME_API_FAILURE, type Invocation, RapidClient } from "./rapid-client.js";
import {
  getHandlerMetadata,
  type Handler,
  type HandlerMetadata,
  load,
  STREAM_RESPONSE,
} from "./user-function.js";

/**
 * The runtime's global request and tenant ids (log-patch.ts) read from the invoke store's scope of the code
 * running now (invoke-store.ts: AsyncLocalStorage here, since AWS_LAMBDA_MAX_CONCURRENCY is set).
 */
function scopeTheLoggingContext(): void {
  const store = invokeStore();
  const define = (name: string, read: () => string | undefined) =>
    Object.defineProperty(globalThis, Symbol.for(name), {
      get: read,
      set: () => {},
      configurable: true,
    });
  define("aws.lambda.runtime.requestId", () => (store.hasContext() ? store.getRequestId() : undefined));
  define("aws.lambda.runtime.tenantId", () => store.getTenantId());
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  return !!value && typeof (value as { then?: unknown }).then === "function";
}

function answered(post: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => post(resolve));
}

class ManagedWorker {
  private readonly inFlight = new Set<string>();
  private initialized = false;

  constructor(
    private readonly client: RapidClient,
    private readonly nodejs24Mode: boolean,
  ) {}

  /**
   * A crash: during init it is an init error; after, every invocation of this thread fails with it, posted by the
   * main thread once this thread has ended (managed-runtime.ts CrashedMessage).
   */
  crash(label: string, error: unknown, status: number): void {
    structuredConsole.logError(label, error);
    if (!this.initialized) {
      this.failInit(error, status);
      return;
    }
    const message: CrashedMessage = {
      crashed: { ids: [...this.inFlight], error: toRapidResponse(error), status },
    };
    this.inFlight.clear();
    parentPort?.postMessage(message);
    process.exit(status);
  }

  /**
   * The thread ends some other way — the function's own process.exit(), or a Runtime API that failed (rapid-client.ts
   * exits): its invocations fail now with Runtime.ExitError, as a default environment's would, rather than run
   * into their timeouts. Called from the thread's 'exit' event, after crash() has emptied inFlight.
   */
  exited(status: number): void {
    if (!this.initialized || this.inFlight.size === 0) return;
    const message: CrashedMessage = {
      crashed: {
        ids: [...this.inFlight],
        error: {
          errorType: "Runtime.ExitError",
          errorMessage: `Runtime exited with error: exit status ${status}`,
        },
        status,
      },
    };
    this.inFlight.clear();
    parentPort?.postMessage(message);
  }

  failInit(error: unknown, status: number): void {
    this.initialized = true; // one init error per thread
    const message: InitFailedMessage = { initFailed: status };
    this.client.postInitError(error, () => parentPort?.postMessage(message));
  }

  start(handler: Handler, metadata: HandlerMetadata, slots: number): void {
    this.initialized = true;
    // A synchronous handler blocks its thread while it runs: one invocation at a time (AWS's docs).
    const loops = this.nodejs24Mode || metadata.isAsync ? slots : 1;
    for (let loop = 0; loop < loops; loop++) void this.loop(handler, metadata);
  }

  private async loop(handler: Handler, metadata: HandlerMetadata): Promise<void> {
    for (;;) {
      const invocation = await this.client.nextInvocation();
      await this.serve(handler, metadata, invocation);
    }
  }

  private async serve(handler: Handler, metadata: HandlerMetadata, invocation: Invocation): Promise<void> {
    const context = new InvokeContext(invocation.headers);
    const id = context.invokeId;
    this.inFlight.add(id);
    await context.inInvokeStore(async () => {
      let outcome: { result: unknown } | { error: unknown };
      try {
        outcome = { result: await this.call(handler, metadata, JSON.parse(invocation.bodyJson), context) };
      } catch (error) {
        outcome = { error };
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.inFlight.delete(id)) return; // a crash already answered it
      if ("result" in outcome) {
        const { result } = outcome;
        try {
          await answered((done) => this.client.postInvocationResponse(result, id, done));
          return;
        } catch (error) {
          outcome = { error };
        }
      }
      const { error } = outcome;
      structuredConsole.logError("Invoke Error", error);
      await answered((done) => this.client.postInvocationError(error, id, done));
    });
  }

  private call(handler: Handler, metadata: HandlerMetadata, event: unknown, context: InvokeContext): unknown {
    if (this.nodejs24Mode) return handler(event, context.nodejs24Context());
    return new Promise((resolve, reject) => {
      const done = (error: unknown, result?: unknown) =>
        error === null || error === undefined ? resolve(result) : reject(error);
      const callbackContext = {
        callbackWaitsForEmptyEventLoop: true,
        succeed: (result: unknown) => resolve(result),
        fail: (error: unknown) => reject(error ?? new Error("handled")),
        done,
      };
      const returned = handler(event, context.attachEnvironmentData(callbackContext), done);
      if (isPromise(returned)) returned.then(resolve, reject);
      else if (metadata.argsNum < 3) resolve(null);
    });
  }
}

async function run(): Promise<void> {
  const { slots, channelFd } = workerData as ManagedWorkerData;
  scopeTheLoggingContext();
  patchConsole();
  const runtimeApi = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!runtimeApi) process.exit(EXIT_RUNTIME_API_FAILURE);
  const nodejs24Mode = isNodejs24Mode();
  // Over its own channel, the thread's `/next` calls and answers are numbered frames answered in any order
  // (channel-client.ts); each answer is sent before its loop's next `/next`, as over HTTP (pipelineNext false).
  const channel = channelFd === undefined ? undefined : new ChannelClient(channelFd);
  const client = new RapidClient(runtimeApi, nodejs24Mode, channel, false, slots + 1);
  const worker = new ManagedWorker(client, nodejs24Mode);
  process.on("exit", (status) => worker.exited(status));
  process.on("uncaughtException", (error) => worker.crash("Uncaught Exception", error, 129));
  process.on("unhandledRejection", (reason, promise) =>
    worker.crash("Unhandled Promise Rejection", new UnhandledPromiseRejection(reason, promise), 128),
  );
  let handler: Handler;
  let metadata: HandlerMetadata;
  try {
    handler = await load(
      process.env.LAMBDA_TASK_ROOT || process.cwd(),
      process.env._HANDLER ?? "",
      nodejs24Mode,
    );
    metadata = getHandlerMetadata(handler);
    if (nodejs24Mode) errorOnDeprecatedCallback(metadata);
    else checkForDeprecatedCallback(metadata);
    if (metadata.streaming === STREAM_RESPONSE)
      throw new Error("Lambkin does not run response-streaming handlers on Lambda Managed Instances");
  } catch (error) {
    structuredConsole.logError(nodejs24Mode ? "Init Error" : "Uncaught Exception", error);
    worker.failInit(error, 129);
    return;
  }
  // As index.ts: a rejection the module left unhandled surfaces after this turn, before any `/next`.
  setImmediate(() => worker.start(handler, metadata, slots));
}

void run();
