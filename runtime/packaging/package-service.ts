/**
 * `lambkin package`'s work: the zips Lambda would take for a set of functions — one per service, or one per
 * function with `package.individually: true` — as `serverless package` writes them into `<service>/.serverless/`:
 * - the service's files chosen by its default excludes and `package.patterns` (package-patterns.ts);
 * - its production dependencies only (production-dependencies.ts): never devDependencies, never `.git`;
 * - TypeScript handlers bundled (runtime/bundling/) with the settings `serverless package` + serverless-esbuild
 *   would use (custom.esbuild's sourcemap as written), their `.ts` sources and tsconfig left out, and node_modules
 *   reduced to what the bundles leave external (custom.esbuild.external; `@aws-sdk/*` comes with the runtime);
 * - each artifact's size against Lambda's deployment package limits, 50 MB zipped and 250 MB unzipped
 *   (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import type { Message } from "esbuild";
import { bundleSettings } from "../bundling/esbuild-settings.js";
import { typeScriptEntryOf } from "../bundling/typescript-handler.js";
import type { LambkinCode } from "../errors/lambkin-codes.js";
import { type FunctionDefinition, isNodeRuntime } from "../manifest/function-definition.js";
import { writeZip, type ZipEntry } from "./artifact-zip.js";
import { selectFiles, serviceFiles } from "./package-patterns.js";
import { productionDependencies } from "./production-dependencies.js";

export const ZIPPED_LIMIT_BYTES = 50 * 1024 * 1024;
export const UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;
const TYPESCRIPT_SOURCE = /(\.[cm]?tsx?|^tsconfig(\..*)?\.json)$/;

export class PackageError extends Error {
  readonly code: LambkinCode = "LKN_ERR_PACKAGE_FAILED";
}

export interface PackagedArtifact {
  /** `<service>` or `<function key>`, the zip's name without `.zip`. */
  readonly name: string;
  readonly path: string;
  /** The functions it holds (their Lambda names). */
  readonly functions: readonly string[];
  readonly zippedBytes: number;
  readonly unzippedBytes: number;
  readonly entries: number;
}

export interface PackageLog {
  warn(code: LambkinCode, message: string): void;
}

/** Writes the artifacts of `functions` (grouped by service); `outDir` default: each service's `.serverless/`. */
export async function packageFunctions(
  functions: readonly FunctionDefinition[],
  outDir: string | undefined,
  log: PackageLog,
): Promise<PackagedArtifact[]> {
  const byService = new Map<string, FunctionDefinition[]>();
  for (const fn of functions) byService.set(fn.serviceDir, [...(byService.get(fn.serviceDir) ?? []), fn]);
  const artifacts: PackagedArtifact[] = [];
  for (const [serviceDir, members] of byService) {
    // An image, or a function deployed from a zip of its own (package.artifact), is not packaged from the folder.
    const packaged = members.filter((fn) => !fn.image && !fn.artifact);
    const together = packaged.filter((fn) => !fn.packaging?.individually);
    const out = outDir ? resolve(outDir) : join(serviceDir, ".serverless");
    await mkdir(out, { recursive: true });
    const service = packaged[0]?.service ?? "service";
    const servicePatterns = patternsOfService(together[0]);
    if (together.length > 0) {
      artifacts.push(await writeArtifact(serviceDir, service, together, servicePatterns, out, log));
    }
    for (const fn of packaged.filter((candidate) => candidate.packaging?.individually)) {
      artifacts.push(await writeArtifact(serviceDir, fn.key, [fn], fn.packaging?.patterns ?? [], out, log));
    }
  }
  return artifacts;
}

/** A service-wide zip uses the service's own patterns: a function's count only when it is packaged individually. */
function patternsOfService(fn: FunctionDefinition | undefined): readonly string[] {
  return fn?.packaging?.servicePatterns ?? [];
}

async function writeArtifact(
  serviceDir: string,
  name: string,
  functions: readonly FunctionDefinition[],
  patterns: readonly string[],
  out: string,
  log: PackageLog,
): Promise<PackagedArtifact> {
  const bundled = functions.filter(
    (fn) => isNodeRuntime(fn.runtime) && typeScriptEntryOf(fn.handler, serviceDir) !== undefined,
  );
  // The zips of an earlier run, when --out lies inside the service, are output, not code.
  const outInside = relative(serviceDir, out);
  let files = selectFiles(serviceFiles(serviceDir), patterns).filter(
    (file) =>
      outInside.startsWith("..") ||
      outInside === "" ||
      !`${file}`.startsWith(`${outInside.split(sep).join("/")}/`),
  );
  if (bundled.length > 0)
    files = files.filter((file) => !TYPESCRIPT_SOURCE.test(file.split("/").pop() ?? ""));
  const entries = new Map<string, ZipEntry>();
  for (const file of files) entries.set(file, fileEntry(serviceDir, file));
  const externals = bundled.length === functions.length ? externalPackages(bundled) : undefined;
  const tree = productionDependencies(serviceDir, externals);
  for (const missing of tree.missing) {
    log.warn(
      "LKN_WRN_PACKAGE_DEPENDENCY_MISSING",
      `${name}: the production dependency ${missing} is not installed in ${join(serviceDir, "node_modules")}: the artifact lacks it`,
    );
  }
  for (const folder of tree.folders) {
    for (const file of packageFiles(serviceDir, folder)) entries.set(file, fileEntry(serviceDir, file));
  }
  for (const fn of bundled) {
    for (const entry of await bundleEntries(fn)) entries.set(entry.name, entry);
  }
  const path = join(out, `${name}.zip`);
  const written = await writeZip(path, [...entries.values()]).catch((error: Error) => {
    throw new PackageError(`${name}: cannot write ${path}: ${error.message}`);
  });
  if (written.zippedBytes > ZIPPED_LIMIT_BYTES || written.unzippedBytes > UNZIPPED_LIMIT_BYTES) {
    log.warn(
      "LKN_WRN_PACKAGE_TOO_LARGE",
      `${path} is ${mb(written.zippedBytes)} zipped, ${mb(written.unzippedBytes)} unzipped: over Lambda's 50 MB zipped / 250 MB unzipped limits`,
    );
  }
  return { name, path, functions: functions.map((fn) => fn.name), ...written };
}

/** The packages a bundle leaves to be found at run time, less what the runtime provides. */
function externalPackages(functions: readonly FunctionDefinition[]): string[] {
  const names = new Set<string>();
  for (const fn of functions) {
    const custom = fn.esbuild ?? {};
    for (const value of [custom.external, custom.exclude]) {
      for (const item of Array.isArray(value) ? value : typeof value === "string" ? [value] : []) {
        if (typeof item === "string" && !item.includes("*") && !item.startsWith("@aws-sdk/")) names.add(item);
      }
    }
  }
  return [...names].sort();
}

/** The files of one installed package, without its own node_modules (chosen one by one). */
function packageFiles(serviceDir: string, folder: string): string[] {
  const files: string[] = [];
  const walk = (relativeDir: string) => {
    for (const entry of readdirSync(join(serviceDir, relativeDir), { withFileTypes: true })) {
      const path = `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") walk(path);
      } else if (entry.isFile()) files.push(path);
    }
  };
  walk(folder);
  return files;
}

function fileEntry(serviceDir: string, file: string): ZipEntry {
  const path = join(serviceDir, file);
  return {
    name: file.split(sep).join("/"),
    content: readFileSync(path),
    executable: (statSync(path).mode & 0o111) !== 0,
  };
}

/** The bundle (and its map, when custom.esbuild.sourcemap asks) at the handler's own path. */
async function bundleEntries(fn: FunctionDefinition): Promise<ZipEntry[]> {
  const entry = typeScriptEntryOf(fn.handler, fn.serviceDir);
  if (!entry) return [];
  const settings = bundleSettings({
    runtime: fn.runtime,
    serviceDir: fn.serviceDir,
    entryExtension: entry.extension,
    custom: fn.esbuild,
    purpose: "package",
  });
  const { build } = await import("esbuild");
  const outfile = join(
    fn.serviceDir,
    entry.parts.moduleRoot,
    `${entry.parts.module}${settings.outputExtension}`,
  );
  try {
    const result = await build({
      ...settings.options,
      absWorkingDir: fn.serviceDir,
      entryPoints: [entry.source],
      outfile,
      write: false,
      logLevel: "silent",
    });
    return (result.outputFiles ?? []).map((output) => ({
      name: relative(fn.serviceDir, output.path).split(sep).join("/"),
      content: Buffer.from(output.contents),
    }));
  } catch (error) {
    const first = (error as { errors?: Message[] }).errors?.[0];
    const at = first?.location
      ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: `
      : "";
    throw new PackageError(`${fn.key} does not build: ${at}${first?.text ?? (error as Error).message}`);
  }
}

/** `12.34 MB`, or `2.7 KB` below a megabyte. */
export function mb(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}
