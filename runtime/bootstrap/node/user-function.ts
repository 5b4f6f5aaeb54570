/**
 * UserFunction: finds and loads the handler named by `_HANDLER` under LAMBDA_TASK_ROOT, or throws the
 * init error AWS reports (docs/lambda-behaviour.md §2.1). Reproduces the RIC's src/UserFunction.js:
 *
 * - `_HANDLER` = `<path/module>.<export[.nested]>`; `..` anywhere → Runtime.MalformedHandlerName;
 *   no dot in the last path segment → Runtime.MalformedHandlerName "Bad handler".
 * - Lookup in LAMBDA_TASK_ROOT: the extensionless file (require) → `.js` via require unless the nearest
 *   package.json (walking up, stopping at node_modules) says `"type":"module"` → `.js` via import() →
 *   `.mjs` (import()) → `.cjs` (require) → `require.resolve(module, {paths: [appRoot, moduleRoot]})`.
 * - A SyntaxError → Runtime.UserCodeSyntaxError, a MODULE_NOT_FOUND → Runtime.ImportModuleError (message
 *   `String(err)`); anything else the module throws is reported as itself.
 * - A missing export → Runtime.HandlerNotFound "<_HANDLER> is undefined or not exported"; a value that is
 *   not a function → "<_HANDLER> is not a function".
 * - `globalThis.awslambda` (streamifyResponse, HttpResponseStream, InvokeStore: invoke-store.ts) is set before the
 *   module loads unless AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA is "1"/"true".
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  HandlerNotFound,
  ImportModuleError,
  MalformedHandlerName,
  MalformedStreamingHandler,
  UserCodeSyntaxError,
} from "./errors.js";
import { invokeStore } from "./invoke-store.js";
import { HttpResponseStream } from "./response-stream.js";

export type Handler = (...args: unknown[]) => unknown;

export const STREAM_RESPONSE = "response";
const HANDLER_STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const HANDLER_HIGHWATERMARK = Symbol.for("aws.lambda.runtime.handler.streaming.highWaterMark");

export interface HandlerMetadata {
  streaming: false | typeof STREAM_RESPONSE;
  highWaterMark: number | undefined;
  isAsync: boolean;
  argsNum: number;
}

// On AWS the runtime is one bundled file, /var/runtime/index.mjs: a failed require's "Require stack"
// names it. Requiring "from" $LAMBDA_RUNTIME_DIR/index.mjs gives the same message here.
const runtimeDir = process.env.LAMBDA_RUNTIME_DIR || __dirname;
const userRequire = createRequire(join(runtimeDir, "index.mjs"));

function requireIfExists(file: string): unknown {
  return existsSync(file) ? userRequire(file) : undefined;
}

async function importIfExists(file: string): Promise<unknown> {
  return existsSync(file) ? await import(pathToFileURL(file).href) : undefined;
}

/** Nearest package.json says "type":"module"? (No package.json but a node_modules folder: no.) */
function folderIsTypeModule(folder: string): boolean {
  if (folder.endsWith("/node_modules")) return false;
  const packageJson = join(folder, "/package.json");
  if (existsSync(packageJson)) {
    try {
      const pkg = JSON.parse(readFileSync(packageJson, "utf8"));
      if (pkg) return pkg.type === "module";
    } catch (e) {
      console.warn(`${packageJson} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === "/") return false;
  return folderIsTypeModule(resolve(folder, ".."));
}

async function tryRequire(appRoot: string, moduleRoot: string, module: string): Promise<unknown> {
  const lambdaStylePath = resolve(appRoot, moduleRoot, module);

  const extensionless = requireIfExists(lambdaStylePath);
  if (extensionless) return extensionless;

  const typeModule =
    existsSync(`${lambdaStylePath}.js`) && folderIsTypeModule(dirname(`${lambdaStylePath}.js`));
  if (!typeModule) {
    const loaded = requireIfExists(`${lambdaStylePath}.js`);
    if (loaded) return loaded;
  }

  const loaded =
    (typeModule && (await importIfExists(`${lambdaStylePath}.js`))) ||
    (await importIfExists(`${lambdaStylePath}.mjs`)) ||
    requireIfExists(`${lambdaStylePath}.cjs`);
  if (loaded) return loaded;

  // A bare require() would resolve from the runtime, not the task root: resolve from the app's folders.
  return userRequire(userRequire.resolve(module, { paths: [appRoot, moduleRoot] }));
}

function installGlobalAwsLambda(): void {
  const disabled = process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (disabled === "1" || disabled === "true") return;
  (globalThis as Record<string, unknown>).awslambda = {
    streamifyResponse: (handler: Record<symbol, unknown>, options?: { highWaterMark?: unknown }) => {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === "number") {
        handler[HANDLER_HIGHWATERMARK] = Number.parseInt(String(options.highWaterMark), 10);
      }
      return handler;
    },
    HttpResponseStream,
    InvokeStore: invokeStore(),
  };
}

async function loadUserApp(appRoot: string, moduleRoot: string, module: string): Promise<unknown> {
  installGlobalAwsLambda();
  try {
    return await tryRequire(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if ((e as { code?: unknown } | null)?.code === "MODULE_NOT_FOUND") throw new ImportModuleError(e);
    throw e;
  }
}

function resolveNested(object: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((nested, key) => nested && (nested as Record<string, unknown>)[key], object);
}

/**
 * Loads the handler. `defaultFallback` (Node 24's RIC) also looks the export up under `default`,
 * where import() puts a CommonJS module's exports.
 */
export async function load(
  appRoot: string,
  fullHandlerString: string,
  defaultFallback = false,
): Promise<Handler> {
  if (fullHandlerString.includes("..")) {
    throw new MalformedHandlerName(
      `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const moduleAndHandler = basename(fullHandlerString);
  // indexOf, not a suffix cut: the RIC's exact (first-occurrence) split.
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(moduleAndHandler));
  const match = moduleAndHandler.match(/^([^.]*)\.(.*)$/);
  if (!match) throw new MalformedHandlerName("Bad handler");
  const [, module = "", handlerPath = ""] = match;

  const userApp = await loadUserApp(appRoot, moduleRoot, module);
  let handler = resolveNested(userApp, handlerPath);
  if (!handler && defaultFallback && userApp && typeof userApp === "object" && "default" in userApp) {
    handler = resolveNested(userApp.default, handlerPath);
  }
  if (!handler) throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  if (typeof handler !== "function") throw new HandlerNotFound(`${fullHandlerString} is not a function`);
  return handler as Handler;
}

function streamingOf(handler: Handler): HandlerMetadata["streaming"] {
  const value = (handler as unknown as Record<symbol, unknown>)[HANDLER_STREAMING];
  if (value === undefined || value === null || value === false) return false;
  if (value === STREAM_RESPONSE) return STREAM_RESPONSE;
  throw new MalformedStreamingHandler("Only response streaming is supported.");
}

function highWaterMarkOf(handler: Handler): number | undefined {
  const value = (handler as unknown as Record<symbol, unknown>)[HANDLER_HIGHWATERMARK];
  if (value === undefined || value === null || value === false) return undefined;
  const hwm = Number.parseInt(String(value), 10);
  return Number.isNaN(hwm) ? undefined : hwm;
}

/** "async" means declared `async` (constructor AsyncFunction), not "returns a promise" — as the RIC. */
function isAsyncFunction(handler: Handler): boolean {
  try {
    return handler.constructor?.name === "AsyncFunction";
  } catch {
    return false;
  }
}

export function getHandlerMetadata(handler: Handler): HandlerMetadata {
  return {
    streaming: streamingOf(handler),
    highWaterMark: highWaterMarkOf(handler),
    isAsync: isAsyncFunction(handler),
    argsNum: handler.length,
  };
}
