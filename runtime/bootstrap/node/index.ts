/**
 * Bootstrap entry point: what `node dist/runtime/bootstrap/node/index.js` runs inside one execution
 * environment for the nodejs* runtimes. Like the RIC's src/index.mjs it patches the console, installs
 * the process-wide listeners, loads the handler (init) and starts the invoke loop; init ends at the
 * first `GET /next` (docs/lambda-behaviour.md §1.5).
 *
 * - Init failures (any error while loading `_HANDLER`) are logged — "Uncaught Exception" (Node ≤22, the
 *   RIC's load error surfaces through process 'uncaughtException'), "Init Error" (Node 24) — posted to
 *   `/init/error` with Lambda-Runtime-Function-Error-Type, then the process exits 129.
 * - Uncaught exceptions / unhandled rejections: during init → `/init/error`; during an invoke → that
 *   invoke's `/error` (Runtime.UnhandledPromiseRejection for rejections); then exit 129 / 128.
 * - Node ≤22 warns about callback handlers at init; Node 24 (AWS_EXECUTION_ENV=AWS_Lambda_nodejs24.x)
 *   refuses them (callback-deprecation.ts).
 *
 * Start-up is on the cold-start path: only Node built-ins, nothing heavy at module load, and CommonJS:
 * this folder's package.json says `"type":"commonjs"` because Node 20's CommonJS loader starts ~10 ms
 * faster than its ES module loader for these dozen files (measured: ~40 vs ~50 ms to the first /next,
 * bare `node -e 0` ~24 ms). Importing it makes tsc copy it next to the compiled files, so it also
 * holds in dist/ (under the repo's `"type":"module"`) and wherever this folder is copied alone.
 * User code is unaffected: ES modules are still loaded with import().
 */
import "./package.json";
import * as BeforeExitListener from "./before-exit-listener.js";
import {
  checkForDeprecatedCallback,
  errorOnDeprecatedCallback,
  isNodejs24Mode,
} from "./callback-deprecation.js";
import { ChannelClient } from "./channel-client.js";
import {
  CHANNEL_BLOCKING_VARIABLE,
  CHANNEL_FD_VARIABLE,
  CHANNEL_PIPELINE_VARIABLE,
} from "./channel-frames.js";
import { UnhandledPromiseRejection } from "./errors.js";
import { watchHost } from "./host-watch.js";
import { patchConsole, structuredConsole } from "./log-patch.js";
import { managedConcurrency, runManaged } from "./managed-runtime.js";
import { EXIT_RUNTIME_API_FAILURE, RapidClient } from "./rapid-client.js";
import { type ErrorCallbacks, Runtime } from "./runtime.js";
import { getHandlerMetadata, type Handler, type HandlerMetadata, load } from "./user-function.js";

/**
 * The descriptors of Lambkin's private Runtime API channels, if the sandbox gave any (process sandbox,
 * runtime-api-channel.ts: one, or one per worker thread on Managed Instances; none if any is malformed), removed from the environment before any user code can see it — as the AWS RIC
 * removes `_LAMBDA_TELEMETRY_LOG_FD`, the descriptor Lambda hands it for its logs. AWS_LAMBDA_RUNTIME_API stays.
 */
function takeChannelFds(): number[] {
  const value = takeVariable(CHANNEL_FD_VARIABLE);
  if (value === undefined || value === "") return [];
  const fds = value.split(",").map(Number);
  return fds.every((fd) => Number.isInteger(fd) && fd > 2) ? fds : [];
}

function takeChannelPipelining(): boolean {
  return takeVariable(CHANNEL_PIPELINE_VARIABLE) !== "off";
}

function takeChannelBlocking(): boolean {
  return takeVariable(CHANNEL_BLOCKING_VARIABLE) === "on";
}

/** A variable of Lambkin's own for the bootstrap, removed before user code can see it. */
function takeVariable(name: string): string | undefined {
  const value = process.env[name];
  delete process.env[name];
  return value;
}

async function run(): Promise<void> {
  // One descriptor; on Managed Instances one per worker thread (process-sandbox.ts).
  const channelFds = takeChannelFds();
  const channelFd = channelFds[0];
  const pipelineNext = takeChannelPipelining();
  const blocking = takeChannelBlocking();
  // Lambda Managed Instances: worker threads run the handler, several invocations at once (managed-runtime.ts).
  const concurrency = managedConcurrency();
  if (concurrency !== undefined) {
    watchHost();
    runManaged(concurrency, channelFds);
    return;
  }
  patchConsole();
  const runtimeApi = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!runtimeApi) {
    process.stderr.write(
      "AWS_LAMBDA_RUNTIME_API is not set: this program runs inside a Lambkin environment.\n",
    );
    process.exit(EXIT_RUNTIME_API_FAILURE);
  }
  watchHost();
  const nodejs24Mode = isNodejs24Mode();
  const client = new RapidClient(
    runtimeApi,
    nodejs24Mode,
    channelFd === undefined ? undefined : new ChannelClient(channelFd, blocking),
    pipelineNext,
  );

  // Until the first invoke starts, crashes are init errors; Runtime repoints these per invoke.
  let initFailed = false;
  const failInit = (error: unknown, status: number) => {
    initFailed = true;
    client.postInitError(error, () => process.exit(status));
  };
  const errorCallbacks: ErrorCallbacks = {
    uncaughtException: (error) => failInit(error, 129),
    unhandledRejection: (error) => failInit(error, 128),
  };
  process.on("uncaughtException", (error) => {
    structuredConsole.logError("Uncaught Exception", error);
    errorCallbacks.uncaughtException(error);
  });
  process.on("unhandledRejection", (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    structuredConsole.logError("Unhandled Promise Rejection", error);
    errorCallbacks.unhandledRejection(error);
  });
  BeforeExitListener.reset();
  process.on("beforeExit", BeforeExitListener.invoke);

  let handler: Handler;
  let metadata: HandlerMetadata;
  try {
    const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
    handler = await load(taskRoot, process.env._HANDLER ?? "", nodejs24Mode);
    metadata = getHandlerMetadata(handler);
    if (nodejs24Mode) errorOnDeprecatedCallback(metadata);
    else checkForDeprecatedCallback(metadata);
  } catch (error) {
    structuredConsole.logError(nodejs24Mode ? "Init Error" : "Uncaught Exception", error);
    failInit(error, 129);
    return;
  }
  const runtime = new Runtime(client, handler, metadata, errorCallbacks, nodejs24Mode);
  // A rejection the handler's module left unhandled surfaces only after this turn. Start polling once it
  // had its chance, and only if init is still clean, so that `/next` never follows `/init/error` (the RIC
  // lets both race).
  setImmediate(() => {
    if (!initFailed) runtime.scheduleIteration();
  });
}

void run();
