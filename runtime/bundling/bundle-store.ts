/**
 * Builds a TypeScript handler's bundle with esbuild and keeps it, by content, under
 * `<serviceDir>/.lambkin/build/<function key>/`:
 * - `<hash>/` holds one build: the bundle at the handler's own path (`src/handler.js`), its `.map`;
 * - `build.json` names the current one and what it was built from: the options' hash and every input esbuild's
 *   metafile lists (plus package.json and tsconfig.json, which change how it resolves), each with its size, mtime
 *   and SHA-256. A build is reused while the options are the same and every input still has its hash (the size and
 *   mtime only spare re-hashing an untouched file), so a warm restart of Lambkin does not rebuild.
 * The bundle lives inside the service folder so that what it leaves external (`@aws-sdk/*`) resolves from the
 * service's own node_modules, in the process sandbox (the service folder is the task root) and in the docker one
 * (it is mounted at /var/task) alike, and its source map's relative paths lead to the `.ts` files in both.
 * A build goes to a temporary sibling folder first and is renamed into place, so two Lambkins building at once
 * never see a half-written one; an older build stays until two newer ones exist (an environment still running it
 * may read its source map). `.lambkin/` is left out of hot reload's watching and hashing (runtime/revision/).
 *
 * A build that fails is kept too, as a module that throws what the Node runtime would throw loading broken code:
 * a SyntaxError (→ Runtime.UserCodeSyntaxError) naming file:line:column, or, for an import esbuild cannot resolve,
 * the runtime's MODULE_NOT_FOUND (→ Runtime.ImportModuleError). Invocations then fail in Lambda's shape until an
 * input changes.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import type { BuildOptions, Message, Metafile } from "esbuild";
import type { BundleSettings } from "./esbuild-settings.js";
import type { TypeScriptEntry } from "./typescript-handler.js";

const STORE_VERSION = 1;
const KEPT_BUILDS = 2;
/** Files outside the metafile that change what a build resolves to. */
const CONFIG_INPUTS = ["package.json", "tsconfig.json"];

export interface BuildProblem {
  /** Relative to the service folder. */
  readonly file: string;
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly lineText: string;
  readonly message: string;
  readonly kind: "syntax" | "unresolved";
}

export interface BuiltBundle {
  /** The handler to run it with, relative to the service folder (`.lambkin/build/api/<hash>/src/handler.handler`). */
  readonly handler: string;
  /** Absolute path of the bundle's folder. */
  readonly dir: string;
  /** Whether esbuild ran (false: the stored build was still good). */
  readonly built: boolean;
  /** Set when the code does not build: the bundle throws it at init. */
  readonly problem?: BuildProblem;
  /** esbuild's warnings, once per build. */
  readonly warnings: readonly string[];
}

interface InputRecord {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

interface StoreRecord {
  readonly version: number;
  readonly optionsHash: string;
  readonly folder: string;
  readonly handler: string;
  readonly inputs: Readonly<Record<string, InputRecord | null>>;
  readonly problem?: BuildProblem;
}

export interface BuildRequest {
  readonly serviceDir: string;
  readonly functionKey: string;
  readonly entry: TypeScriptEntry;
  readonly settings: BundleSettings;
}

/** `.lambkin/build/<key>`: a key made safe as one folder name (no `..`, no separators). */
export function buildFolderOf(serviceDir: string, functionKey: string): string {
  return join(serviceDir, ".lambkin", "build", functionKey.replace(/[^A-Za-z0-9_-]/g, "_"));
}

export async function bundleFunction(request: BuildRequest): Promise<BuiltBundle> {
  const keyDir = buildFolderOf(request.serviceDir, request.functionKey);
  const optionsHash = hashOf(
    JSON.stringify({
      v: STORE_VERSION,
      esbuild: (await esbuild()).version,
      s: request.settings,
      e: request.entry,
    }),
  );
  const stored = await readRecord(keyDir);
  if (stored && stored.optionsHash === optionsHash && existsSync(join(keyDir, stored.folder))) {
    if (await inputsUnchanged(request.serviceDir, stored.inputs)) {
      return {
        handler: stored.handler,
        dir: join(keyDir, stored.folder),
        built: false,
        ...(stored.problem ? { problem: stored.problem } : {}),
        warnings: [],
      };
    }
  }
  return build(request, keyDir, optionsHash, stored);
}

async function build(
  request: BuildRequest,
  keyDir: string,
  optionsHash: string,
  previous: StoreRecord | undefined,
): Promise<BuiltBundle> {
  const { serviceDir, entry, settings } = request;
  await mkdir(keyDir, { recursive: true, mode: 0o755 });
  const temporary = join(keyDir, `.tmp-${randomBytes(6).toString("hex")}`);
  const outputRelative = join(entry.parts.moduleRoot, `${entry.parts.module}${settings.outputExtension}`);
  const outfile = join(temporary, outputRelative);
  const { build: run } = await esbuild();
  let problem: BuildProblem | undefined;
  let inputs: string[];
  let warnings: string[] = [];
  try {
    const result = await run({
      ...settings.options,
      absWorkingDir: serviceDir,
      entryPoints: [entry.source],
      outfile,
      metafile: true,
      write: true,
      logLevel: "silent",
    } satisfies BuildOptions);
    inputs = Object.keys((result.metafile as Metafile).inputs);
    warnings = result.warnings.map((warning) => formatMessage(warning));
  } catch (error) {
    const first = (error as { errors?: Message[] }).errors?.[0];
    if (!first) {
      await rm(temporary, { recursive: true, force: true });
      throw error;
    }
    problem = problemOf(first, serviceDir, entry.source);
    // What to watch for a fix: the file at fault, the entry, and what the last good build read.
    inputs = [
      problem.file,
      relative(serviceDir, entry.source),
      ...Object.keys(previous?.inputs ?? {}).filter((name) => !CONFIG_INPUTS.includes(name)),
    ];
    await mkdir(dirname(outfile), { recursive: true, mode: 0o755 });
    await writeFile(outfile, failingModule(problem));
  }
  const records: Record<string, InputRecord | null> = {};
  for (const name of [...new Set([...inputs, ...CONFIG_INPUTS])]) {
    records[name] = await recordOf(resolve(serviceDir, name));
  }
  const folder = hashOf(JSON.stringify({ optionsHash, records, problem })).slice(0, 16);
  const final = join(keyDir, folder);
  await makeReadable(temporary);
  if (existsSync(final)) await rm(temporary, { recursive: true, force: true });
  else await rename(temporary, final).catch(() => rm(temporary, { recursive: true, force: true }));
  const handler = join(
    relative(serviceDir, final),
    entry.parts.moduleRoot,
    `${entry.parts.module}.${entry.parts.exportPath}`,
  );
  const record: StoreRecord = {
    version: STORE_VERSION,
    optionsHash,
    folder,
    handler,
    inputs: records,
    ...(problem ? { problem } : {}),
  };
  await writeRecord(keyDir, record);
  await removeOldBuilds(keyDir, folder, previous?.folder);
  return { handler, dir: final, built: true, ...(problem ? { problem } : {}), warnings };
}

/** The bundle that stands for code that does not build: it throws at load what Node would. */
function failingModule(problem: BuildProblem): string {
  const path = `[process.env.LAMBDA_TASK_ROOT || process.cwd(), ${JSON.stringify(problem.file)}].join("/")`;
  if (problem.kind === "unresolved") {
    const name = /Could not resolve "([^"]+)"/.exec(problem.message)?.[1] ?? problem.message;
    return `const error = new Error(${JSON.stringify(`Cannot find module '${name}'`)} + "\\nRequire stack:\\n- " + ${path});\nerror.code = "MODULE_NOT_FOUND";\nthrow error;\n`;
  }
  return `throw new SyntaxError(${path} + ${JSON.stringify(`:${problem.line}:${problem.column}: ${problem.message}`)});\n`;
}

function problemOf(message: Message, serviceDir: string, entrySource: string): BuildProblem {
  const location = message.location;
  return {
    file: location
      ? relative(serviceDir, resolve(serviceDir, location.file))
      : relative(serviceDir, entrySource),
    line: location?.line ?? 1,
    column: (location?.column ?? 0) + 1,
    lineText: location?.lineText ?? "",
    message: message.text,
    kind: message.text.startsWith("Could not resolve") ? "unresolved" : "syntax",
  };
}

/** `file:line:column: SyntaxError: message`, the line, a caret under the column: what a terminal user needs. */
export function formatProblem(problem: BuildProblem): string {
  const caret = `${" ".repeat(Math.max(0, problem.column - 1))}^`;
  const kind = problem.kind === "syntax" ? "SyntaxError" : "Error";
  return `${problem.file}:${problem.line}:${problem.column}: ${kind}: ${problem.message}\n    ${problem.lineText}\n    ${caret}`;
}

function formatMessage(message: Message): string {
  const at = message.location
    ? `${message.location.file}:${message.location.line}:${message.location.column + 1}: `
    : "";
  return `${at}${message.text}`;
}

async function inputsUnchanged(serviceDir: string, inputs: StoreRecord["inputs"]): Promise<boolean> {
  for (const [name, recorded] of Object.entries(inputs)) {
    const path = resolve(serviceDir, name);
    let stats: Awaited<ReturnType<typeof stat>>;
    try {
      stats = await stat(path);
    } catch {
      if (recorded === null) continue;
      return false;
    }
    if (recorded === null) return false;
    if (stats.size !== recorded.size) return false;
    if (stats.mtimeMs === recorded.mtimeMs) continue;
    if (hashOf(await readFile(path)) !== recorded.sha256) return false;
  }
  return true;
}

async function recordOf(path: string): Promise<InputRecord | null> {
  try {
    const [stats, content] = await Promise.all([stat(path), readFile(path)]);
    return { size: stats.size, mtimeMs: stats.mtimeMs, sha256: hashOf(content) };
  } catch {
    return null;
  }
}

async function readRecord(keyDir: string): Promise<StoreRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(join(keyDir, "build.json"), "utf8")) as StoreRecord;
    return record.version === STORE_VERSION ? record : undefined;
  } catch {
    return undefined;
  }
}

async function writeRecord(keyDir: string, record: StoreRecord): Promise<void> {
  const temporary = join(keyDir, `.build-${randomBytes(6).toString("hex")}.json`);
  await writeFile(temporary, JSON.stringify(record, null, 2), { mode: 0o644 });
  await rename(temporary, join(keyDir, "build.json"));
}

async function removeOldBuilds(keyDir: string, current: string, previous: string | undefined): Promise<void> {
  const entries = await readdir(keyDir, { withFileTypes: true }).catch(() => []);
  const builds = entries.filter((entry) => entry.isDirectory() && /^[0-9a-f]{16}$/.test(entry.name));
  if (builds.length <= KEPT_BUILDS) return;
  for (const entry of builds) {
    if (entry.name === current || entry.name === previous) continue;
    await rm(join(keyDir, entry.name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The isolated process sandbox runs code as a user of its own: the bundle must be readable by others. */
async function makeReadable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await makeReadable(path);
    else await chmod(path, 0o644);
  }
}

function hashOf(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** esbuild is loaded only once a TypeScript handler is met: a JavaScript-only Lambkin never starts its service. */
let esbuildModule: Promise<typeof import("esbuild")> | undefined;
function esbuild(): Promise<typeof import("esbuild")> {
  esbuildModule ??= import("esbuild");
  return esbuildModule;
}
