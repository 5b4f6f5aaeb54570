/**
 * Builds a Docker image from files of this host, with no registry: the way `lambkin images build --offline`
 * makes the runtime images (runtime/sandbox/docker/images/host-rootfs.ts), for the images CI's
 * docker-compose.yml runs instead of the public ones. A recipe names Debian packages (copied as this host
 * has them installed, with the shared libraries their programs load), single host files and folders
 * placed where the image wants them, and generated files; the Dockerfile starts FROM scratch, copies that
 * root filesystem and adds the recipe's own instructions (ENV, WORKDIR, ENTRYPOINT …). The image is
 * labelled with a fingerprint of all of it, and an image that already carries the same one is kept.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { statusOf } from "../../runtime/sandbox/docker/docker-engine.js";
import { sharedLibrariesOf } from "../../runtime/sandbox/docker/images/elf-libraries.js";
import { packageFiles } from "../../runtime/sandbox/docker/images/host-packages.js";
import {
  addHostEntry,
  type RootfsEntry,
  rootfsFingerprint,
  writeRootfs,
} from "../../runtime/sandbox/docker/images/host-rootfs.js";
import { followBuild } from "../../runtime/sandbox/docker/images/image-builder.js";

export const RECIPE_LABEL = "lambkin.ci-image.recipe";

export interface HostImageRecipe {
  /** `lambkin-ci/redis:local` */
  readonly tag: string;
  /** Debian packages copied as installed (their files, minus documentation). */
  readonly packages: readonly string[];
  /** Host paths copied at their own place (symlinks kept and followed: /usr/bin/java → the JRE's). */
  readonly hostPaths?: readonly string[];
  /** Host files placed elsewhere (mode kept). */
  readonly files?: readonly { readonly source: string; readonly target: string }[];
  /** Host folders copied whole to a place of their own (an npm package: without its node_modules). */
  readonly trees?: readonly {
    readonly source: string;
    readonly target: string;
    readonly withoutNodeModules?: boolean;
  }[];
  /** Files written by the recipe. */
  readonly contents?: readonly {
    readonly target: string;
    readonly content: string;
    readonly mode?: number;
  }[];
  readonly dirs?: readonly { readonly target: string; readonly mode: number }[];
  /** Dockerfile instructions after `FROM scratch` and `COPY rootfs/ /`. */
  readonly instructions: readonly string[];
}

export interface HostImageResult {
  readonly tag: string;
  readonly status: "built" | "up to date";
}

const MERGED_USR: Record<string, string> = {
  "/bin": "usr/bin",
  "/sbin": "usr/sbin",
  "/lib": "usr/lib",
  "/lib64": "usr/lib64",
};

function walk(dir: string, withoutNodeModules: boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (!entry.isDirectory()) return [path];
    return withoutNodeModules && entry.name === "node_modules" ? [] : walk(path, withoutNodeModules);
  });
}

/** The root filesystem of a recipe, sorted by path (parents before children). */
export function planImage(recipe: HostImageRecipe): RootfsEntry[] {
  const entries = new Map<string, RootfsEntry>();
  const hostFiles = new Set<string>();
  // Debian bookworm's merged /usr: /bin, /lib … are links into /usr, so host paths land in one place.
  for (const [target, link] of Object.entries(MERGED_USR))
    entries.set(target, { kind: "symlink", target, link });
  for (const target of ["/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib64"])
    entries.set(target, { kind: "dir", target, mode: 0o755 });
  entries.set("/tmp", { kind: "dir", target: "/tmp", mode: 0o1777 });
  for (const pkg of recipe.packages)
    for (const path of packageFiles(pkg)) addHostEntry(entries, hostFiles, path);
  for (const path of recipe.hostPaths ?? []) addHostEntry(entries, hostFiles, path);
  const place = (source: string, target: string) => {
    entries.set(target, { kind: "file", target, source, mode: statSync(source).mode & 0o777 });
    hostFiles.add(source);
  };
  for (const file of recipe.files ?? []) place(file.source, file.target);
  for (const tree of recipe.trees ?? []) {
    for (const source of walk(tree.source, tree.withoutNodeModules ?? false))
      place(source, join(tree.target, source.slice(tree.source.length)));
  }
  for (const library of sharedLibrariesOf([...hostFiles])) addHostEntry(entries, hostFiles, library);
  for (const dir of recipe.dirs ?? [])
    entries.set(dir.target, { kind: "dir", target: dir.target, mode: dir.mode });
  for (const file of recipe.contents ?? [])
    entries.set(file.target, {
      kind: "content",
      target: file.target,
      content: file.content,
      mode: file.mode ?? 0o644,
    });
  return [...entries.values()].sort((a, b) => a.target.localeCompare(b.target));
}

export function dockerfileOf(recipe: HostImageRecipe): string {
  return ["FROM scratch", "COPY rootfs/ /", ...recipe.instructions, ""].join("\n");
}

async function labelOf(docker: Docker, tag: string): Promise<{ id: string; recipe?: string } | undefined> {
  try {
    const info = await docker.getImage(tag).inspect();
    return { id: info.Id, recipe: info.Config?.Labels?.[RECIPE_LABEL] };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** `tar` of the context as written: modes exactly as planned (/tmp 1777), no umask applied. */
function packContext(dir: string): NodeJS.ReadableStream {
  const tar = spawn("tar", ["-C", dir, "-c", "Dockerfile", "rootfs"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return tar.stdout;
}

/** Builds the recipe's image unless its tag already carries this recipe's fingerprint. */
export async function buildHostImage(
  docker: Docker,
  recipe: HostImageRecipe,
  log: (line: string) => void = () => {},
): Promise<HostImageResult> {
  const entries = planImage(recipe);
  const dockerfile = dockerfileOf(recipe);
  const fingerprint = `${rootfsFingerprint(entries)}-${rootfsFingerprint([
    { kind: "content", target: "/Dockerfile", content: dockerfile, mode: 0o644 },
  ])}`;
  const previous = await labelOf(docker, recipe.tag);
  if (previous?.recipe === fingerprint) return { tag: recipe.tag, status: "up to date" };
  const dir = mkdtempSync(join(tmpdir(), "lambkin-ci-image-"));
  try {
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    writeRootfs(join(dir, "rootfs"), entries);
    log(`building ${recipe.tag} from this host (${entries.length} files)`);
    const stream = await docker.buildImage(packContext(dir), {
      t: recipe.tag,
      rm: true,
      forcerm: true,
      labels: { [RECIPE_LABEL]: fingerprint },
    });
    await followBuild(docker, stream, log);
    // The image the tag named before has no name now: remove it unless something still uses it.
    if (previous)
      await docker
        .getImage(previous.id)
        .remove()
        .catch(() => undefined);
    return { tag: recipe.tag, status: "built" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
