/**
 * Plans and writes the root filesystem of an offline runtime image from what is on the host: Debian
 * packages as installed (bash, coreutils, curl, python3…), extra host files (the node binary, placed at
 * /var/lang/bin/node as in AWS's base images), the shared libraries they all load, Lambkin's
 * /var/runtime bundle, and the few /etc files a Lambda environment has. The plan has a fingerprint, so
 * an image built from the same host files is not rebuilt.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { BundleFile } from "./bootstrap-bundle.js";
import { sharedLibrariesOf } from "./elf-libraries.js";
import { packageFiles } from "./host-packages.js";
import { RUNTIME_DIR, SANDBOX_GID, SANDBOX_UID } from "./runtime-images.js";

export type RootfsEntry =
  | { readonly kind: "file"; readonly target: string; readonly source: string; readonly mode: number }
  | { readonly kind: "content"; readonly target: string; readonly content: string; readonly mode: number }
  | { readonly kind: "symlink"; readonly target: string; readonly link: string }
  | { readonly kind: "dir"; readonly target: string; readonly mode: number };

export interface RootfsRecipe {
  /** Debian packages copied as the host has them installed. */
  readonly packages: readonly string[];
  /** Single host files placed at a path of their own (e.g. node → /var/lang/bin/node). */
  readonly files: readonly { readonly source: string; readonly target: string }[];
  readonly bundle: readonly BundleFile[];
}

const ETC: Record<string, string> = {
  "/etc/passwd": `root:x:0:0:root:/root:/bin/bash\nsbx_user1051:x:${SANDBOX_UID}:${SANDBOX_GID}::/tmp:/sbin/nologin\n`,
  "/etc/group": `root:x:0:\nsbx_user1051:x:${SANDBOX_GID}:\n`,
  // Without this file glibc asks DNS first and stops there: host.docker.internal (in /etc/hosts) must win.
  "/etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
  "/etc/os-release":
    'NAME="Lambkin offline runtime"\nID=lambkin\nPRETTY_NAME="Lambkin runtime image assembled from the host"\n',
};
const MERGED_USR: Record<string, string> = {
  "/bin": "usr/bin",
  "/sbin": "usr/sbin",
  "/lib": "usr/lib",
  "/lib64": "usr/lib64",
};
const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/** A host path with its directories resolved (/lib/x86_64-linux-gnu/libc.so.6 → /usr/lib/…). */
function canonical(path: string): string {
  return join(realpathSync(dirname(path)), basename(path));
}

/**
 * Adds a host path to `entries` as the host has it, at its canonical place: a symlink stays a symlink
 * (and what it points to is added too), set-id bits are dropped (nothing in an image may gain privileges),
 * and regular files are also recorded in `hostFiles`, whose shared libraries the caller then adds. A path
 * this host lacks (a dangling link, a file a package lists but another removed) is skipped.
 */
export function addHostEntry(entries: Map<string, RootfsEntry>, hostFiles: Set<string>, path: string): void {
  let target: string;
  let stat: ReturnType<typeof lstatSync>;
  try {
    target = canonical(path);
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (entries.has(target)) return;
  if (stat.isSymbolicLink()) {
    entries.set(target, { kind: "symlink", target, link: readlinkSync(path) });
    addHostEntry(entries, hostFiles, resolve(dirname(path), readlinkSync(path)));
  } else if (stat.isDirectory()) {
    entries.set(target, { kind: "dir", target, mode: stat.mode & 0o777 });
  } else {
    entries.set(target, { kind: "file", target, source: path, mode: stat.mode & 0o777 });
    hostFiles.add(path);
  }
}

export function planRootfs(recipe: RootfsRecipe): RootfsEntry[] {
  const entries = new Map<string, RootfsEntry>();
  const add = (entry: RootfsEntry) => entries.set(entry.target, entry);
  for (const [target, link] of Object.entries(MERGED_USR)) add({ kind: "symlink", target, link });
  for (const target of [
    "/usr/bin",
    "/usr/sbin",
    "/usr/lib",
    "/usr/lib64",
    "/var/task",
    "/opt",
    "/var/lang/bin",
  ]) {
    add({ kind: "dir", target, mode: 0o755 });
  }
  add({ kind: "dir", target: "/tmp", mode: 0o1777 });

  const hostFiles = new Set<string>();
  const addHostPath = (path: string): void => addHostEntry(entries, hostFiles, path);
  for (const pkg of recipe.packages) for (const path of packageFiles(pkg)) addHostPath(path);
  try {
    addHostPath(CA_BUNDLE);
  } catch {
    // No CA certificates on the host: https from curl fails inside, as it would have on the host.
  }
  for (const file of recipe.files) {
    const source = realpathSync(file.source);
    add({ kind: "file", target: file.target, source, mode: 0o755 });
    hostFiles.add(source);
  }
  for (const library of sharedLibrariesOf([...hostFiles])) addHostPath(library);

  // Amazon Linux's /bin/sh is bash (docs/lambda-behaviour.md §1.6), not Debian's dash.
  add({ kind: "symlink", target: "/usr/bin/sh", link: "bash" });
  add({ kind: "dir", target: "/usr/bin", mode: 0o755 });
  for (const [target, content] of Object.entries(ETC)) add({ kind: "content", target, content, mode: 0o644 });
  add({ kind: "dir", target: RUNTIME_DIR, mode: 0o755 });
  for (const file of recipe.bundle) {
    add({
      kind: "content",
      target: `${RUNTIME_DIR}/${file.name}`,
      content: readFileSync(file.source, "utf8"),
      mode: file.mode,
    });
  }
  return [...entries.values()].sort((a, b) => a.target.localeCompare(b.target));
}

/** Changes whenever a file would change: host files by size and mtime, generated ones by content. */
export function rootfsFingerprint(entries: readonly RootfsEntry[]): string {
  const hash = createHash("sha256");
  for (const entry of entries) {
    hash.update(`${entry.kind}\0${entry.target}\0`);
    if (entry.kind === "file") {
      const stat = statSync(entry.source);
      hash.update(`${stat.size}\0${stat.mtimeMs}\0${entry.mode}`);
    } else if (entry.kind === "content") hash.update(`${entry.content}\0${entry.mode}`);
    else if (entry.kind === "symlink") hash.update(entry.link);
    else hash.update(String(entry.mode));
    hash.update("\n");
  }
  return hash.digest("hex").slice(0, 16);
}

export function writeRootfs(root: string, entries: readonly RootfsEntry[]): void {
  for (const entry of entries) {
    const path = join(root, entry.target);
    mkdirSync(dirname(path), { recursive: true });
    switch (entry.kind) {
      case "dir":
        mkdirSync(path, { recursive: true });
        chmodSync(path, entry.mode);
        break;
      case "symlink":
        symlinkSync(entry.link, path);
        break;
      case "file":
        copyFileSync(entry.source, path);
        chmodSync(path, entry.mode);
        break;
      case "content":
        writeFileSync(path, entry.content);
        chmodSync(path, entry.mode);
        break;
    }
  }
}
