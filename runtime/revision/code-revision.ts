/**
 * A service's code revision: one SHA-256 over the contents of the files of its folder (each file's path and
 * bytes, in path order; ignored-paths.ts says what is left out). It is what Lambda's CodeSha256 is for a
 * deployment package — the digest of the code that runs — and Lambkin uses that one value everywhere: GetFunction's
 * `CodeSha256` (base64, as Lambda prints it), the gateway's `x-lambkin-code-revision` header, the log of every
 * invocation's START line, and the key under which the environment pool keeps environments (an environment made
 * for one revision never serves another). It is computed once per change of the folder, never per request.
 *
 * Files are read again only when their size or modification time changed since the last revision of the same
 * folder (a cache of digests), so recomputing after a save reads the saved file, not the whole folder.
 */
import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { IGNORED_FOLDERS, NODE_MODULES_STAND_IN } from "./ignored-paths.js";

export interface CodeRevision {
  /** Base64 SHA-256 of the folder's contents: FunctionConfiguration.CodeSha256, and the revision's name. */
  readonly codeSha256: string;
  /** Total size in bytes of the files hashed (FunctionConfiguration.CodeSize). */
  readonly codeSize: number;
  /** The newest modification time among them (FunctionConfiguration.LastModified). */
  readonly lastModified: Date;
}

interface CachedDigest {
  readonly size: number;
  readonly mtimeMs: number;
  readonly digest: string;
}

/** Digests of files already read, by absolute path: shared by every revision computed in this process. */
const digests = new Map<string, CachedDigest>();

/**
 * `outsideFiles`: configuration files the service's manifest read from outside its folder (`${file(../x.yml)}`,
 * LoadedService.configurationFiles): their contents change what runs too, so they are part of the revision
 * (a missing one counts as missing), though not of CodeSize.
 */
export async function computeCodeRevision(
  serviceDir: string,
  outsideFiles: readonly string[] = [],
): Promise<CodeRevision> {
  const files = (await listFiles(serviceDir)).sort();
  const hash = createHash("sha256");
  let codeSize = 0;
  let newest = 0;
  for (const file of files) {
    const digest = await fileDigest(file);
    // A file removed between listing and reading is simply not part of the revision.
    if (!digest) continue;
    codeSize += digest.size;
    newest = Math.max(newest, digest.mtimeMs);
    hash.update(`${relative(serviceDir, file)}\0${digest.digest}\n`);
  }
  for (const file of [...outsideFiles].sort()) {
    const digest = await fileDigest(file);
    hash.update(`outside:${file}\0${digest?.digest ?? "absent"}\n`);
  }
  return { codeSha256: hash.digest("base64"), codeSize, lastModified: new Date(Math.floor(newest)) };
}

/** The configuration files each service folder's manifest read from outside that folder. */
export function outsideConfigurationFiles(
  byManifest: ReadonlyMap<string, { readonly configurationFiles: readonly string[] }> | undefined,
): Map<string, string[]> {
  const outside = new Map<string, string[]>();
  for (const [manifest, service] of byManifest ?? []) {
    const dir = dirname(manifest);
    const files = service.configurationFiles.filter((file) => !file.startsWith(`${dir}${sep}`));
    if (files.length > 0) outside.set(dir, files);
  }
  return outside;
}

async function fileDigest(file: string): Promise<CachedDigest | undefined> {
  try {
    const info = await stat(file);
    const cached = digests.get(file);
    if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs) return cached;
    const digest = createHash("sha256")
      .update(await readFile(file))
      .digest("hex");
    const fresh = { size: info.size, mtimeMs: info.mtimeMs, digest };
    digests.set(file, fresh);
    return fresh;
  } catch {
    digests.delete(file);
    return undefined;
  }
}

async function listFiles(dir: string, inNodeModules = false): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (inNodeModules) {
      if (entry.isFile() && entry.name === NODE_MODULES_STAND_IN) found.push(path);
    } else if (entry.isDirectory()) {
      if (!IGNORED_FOLDERS.has(entry.name))
        found.push(...(await listFiles(path, entry.name === "node_modules")));
    } else if (entry.isFile()) {
      found.push(path);
    }
  }
  return found;
}

/** The revisions of the folders of these functions, each folder hashed once. */
export async function revisionsOf(
  functions: readonly { readonly serviceDir: string }[],
  outside: ReadonlyMap<string, readonly string[]> = new Map(),
): Promise<Map<string, CodeRevision>> {
  const dirs = [...new Set(functions.map((fn) => fn.serviceDir))];
  const revisions = await Promise.all(dirs.map((dir) => computeCodeRevision(dir, outside.get(dir))));
  return new Map(dirs.map((dir, index) => [dir, revisions[index] as CodeRevision]));
}

/** The functions with their folder's revision attached (functions whose folder has none are left as they are). */
export function withRevisions<
  T extends { readonly serviceDir: string; readonly codeRevision?: CodeRevision },
>(functions: readonly T[], revisions: ReadonlyMap<string, CodeRevision>): T[] {
  return functions.map((fn) => {
    const codeRevision = revisions.get(fn.serviceDir);
    return codeRevision ? { ...fn, codeRevision } : fn;
  });
}

/**
 * Whether a file of the folder was modified after `sinceMs` (a stat of each file a revision covers, no reading):
 * a change the watcher may not have reported yet.
 */
export async function changedSince(serviceDir: string, sinceMs: number): Promise<boolean> {
  const since = Math.floor(sinceMs);
  for (const file of await listFiles(serviceDir)) {
    try {
      if (Math.floor((await stat(file)).mtimeMs) > since) return true;
    } catch {
      return true;
    }
  }
  return false;
}
