/**
 * Whether a Node.js function's handler names a TypeScript source, the serverless-esbuild convention:
 * `handler: src/handler.handler` with `src/handler.ts` (or `.mts`, `.cts`, `.tsx`) and no JavaScript file the
 * Node runtime would load first. The runtime's own lookup (extensionless, `.js`, `.mjs`, `.cjs`; RIC
 * src/UserFunction.js, docs/lambda-behaviour.md §2.1) wins: a handler that already has its JavaScript runs as it is.
 * https://github.com/floydspace/serverless-esbuild#readme
 */
import { statSync } from "node:fs";
import { basename, resolve } from "node:path";

/** What Node loads by itself for a handler module, in the runtime's order. */
const JAVASCRIPT_EXTENSIONS = ["", ".js", ".mjs", ".cjs"];
/** What esbuild bundles for it, in serverless-esbuild's order of preference. */
export const TYPESCRIPT_EXTENSIONS = [".ts", ".mts", ".cts", ".tsx"];

export interface HandlerParts {
  /** The folder part of the handler, as written (`src/`), possibly empty. */
  readonly moduleRoot: string;
  /** The module's file name without extension (`handler`). */
  readonly module: string;
  /** What follows the module: the export, possibly nested (`handler`, `api.get`). */
  readonly exportPath: string;
}

/** The RIC's split of `_HANDLER` (first-occurrence), or undefined for a name the runtime refuses anyway. */
export function handlerParts(handler: string): HandlerParts | undefined {
  if (handler.includes("..")) return undefined;
  const moduleAndHandler = basename(handler);
  const moduleRoot = handler.substring(0, handler.indexOf(moduleAndHandler));
  const match = /^([^.]*)\.(.*)$/.exec(moduleAndHandler);
  if (!match) return undefined;
  return { moduleRoot, module: match[1] as string, exportPath: match[2] as string };
}

export interface TypeScriptEntry {
  readonly parts: HandlerParts;
  /** Absolute path of the TypeScript source. */
  readonly source: string;
  readonly extension: string;
}

/** The TypeScript source this handler names, or undefined when Node loads JavaScript for it (or nothing). */
export function typeScriptEntryOf(handler: string, serviceDir: string): TypeScriptEntry | undefined {
  const parts = handlerParts(handler);
  if (!parts) return undefined;
  const base = resolve(serviceDir, parts.moduleRoot, parts.module);
  if (JAVASCRIPT_EXTENSIONS.some((extension) => isFile(base + extension))) return undefined;
  for (const extension of TYPESCRIPT_EXTENSIONS) {
    if (isFile(base + extension)) return { parts, source: base + extension, extension };
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
