/**
 * Builds Lambkin's runtime images (`lambkin images build`), one tag per supported runtime:
 * - online (default): from the public base images a user's machine can pull — `node:NN-bookworm-slim`
 *   for each nodejs runtime, `debian:bookworm-slim` for provided* — with docker/runtime/*.Dockerfile;
 * - offline (`--offline`): from the host alone (host-rootfs.ts), for machines that reach no registry,
 *   as CI. Every nodejs runtime then shares the host's node binary (the Node 24 handler rules are the
 *   bootstrap's, selected by AWS_EXECUTION_ENV, so they still apply).
 * An image whose recipe label matches what would be built is left as it is.
 */

import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import type { LambdaRuntime } from "../../../manifest/function-definition.js";
import { statusOf } from "../docker-engine.js";
import { bootstrapBundle, bootstrapDigest, DOCKER_RUNTIME_DIR } from "./bootstrap-bundle.js";
import { hostPythonVersion, isInstalled } from "./host-packages.js";
import { planRootfs, rootfsFingerprint, writeRootfs } from "./host-rootfs.js";
import {
  BOOTSTRAP_LABEL,
  BUILD_MODE_LABEL,
  type ImageFamily,
  nodeMajorOf,
  RECIPE_LABEL,
  RUNTIME_IMAGE_REPOSITORY,
  RUNTIME_LABEL,
  runtimeImage,
  runtimesOf,
} from "./runtime-images.js";

export interface ImageBuildOptions {
  readonly docker: Docker;
  readonly offline: boolean;
  /** Progress lines (the engine's build output and Lambkin's own). */
  readonly log?: (line: string) => void;
}

export interface BuiltImage {
  readonly tags: readonly string[];
  readonly status: "built" | "up to date";
}

/** One `docker build`: a context folder writer, the tags it produces and its recipe digest. */
interface BuildJob {
  readonly family: ImageFamily;
  readonly runtimes: readonly LambdaRuntime[];
  readonly recipe: string;
  readonly buildargs?: Record<string, string>;
  writeContext(dir: string): void;
}

const SHELL_PACKAGES = ["bash", "coreutils", "grep", "sed", "findutils", "curl", "tar", "gzip"];

export async function buildRuntimeImages(options: ImageBuildOptions): Promise<BuiltImage[]> {
  const jobs = options.offline ? offlineJobs(options.log) : onlineJobs();
  const results: BuiltImage[] = [];
  for (const job of jobs) results.push(await runJob(options, job));
  return results;
}

function offlineJobs(log?: (line: string) => void): BuildJob[] {
  const shell = SHELL_PACKAGES.filter(isInstalled);
  const python = hostPythonVersion();
  if (!python) log?.("no Debian python3 on this host: the provided images get no python3");
  const pythonPackages = python
    ? [
        "python3-minimal",
        `python${python}-minimal`,
        `libpython${python}-minimal`,
        `libpython${python}-stdlib`,
      ]
    : [];
  const template = readFileSync(join(DOCKER_RUNTIME_DIR, "offline.Dockerfile"), "utf8");
  const job = (
    family: ImageFamily,
    packages: string[],
    files: { source: string; target: string }[],
    cmd: string,
  ) => {
    const entries = planRootfs({ packages, files, bundle: bootstrapBundle(family) });
    const dockerfile = `${template}CMD ["${cmd}"]\n`;
    return {
      family,
      runtimes: runtimesOf(family),
      recipe: digest(dockerfile, rootfsFingerprint(entries)),
      writeContext(dir: string) {
        writeFileSync(join(dir, "Dockerfile"), dockerfile);
        writeRootfs(join(dir, "rootfs"), entries);
      },
    };
  };
  return [
    job(
      "nodejs",
      shell,
      [{ source: process.execPath, target: "/var/lang/bin/node" }],
      "/var/runtime/bootstrap",
    ),
    job("provided", [...shell, ...pythonPackages], [], "/var/task/bootstrap"),
  ];
}

function onlineJobs(): BuildJob[] {
  const onlineJob = (
    family: ImageFamily,
    runtimes: LambdaRuntime[],
    buildargs?: Record<string, string>,
  ): BuildJob => {
    const dockerfile = readFileSync(join(DOCKER_RUNTIME_DIR, `${family}.Dockerfile`), "utf8");
    const bundle = bootstrapBundle(family);
    return {
      family,
      runtimes,
      buildargs,
      recipe: digest(dockerfile, JSON.stringify(buildargs ?? {}), bootstrapDigest(family)),
      writeContext(dir: string) {
        writeFileSync(join(dir, "Dockerfile"), dockerfile);
        // COPY runtime/ /var/runtime/
        mkdirSync(join(dir, "runtime"));
        for (const file of bundle)
          writeFileSync(join(dir, "runtime", file.name), readFileSync(file.source), { mode: file.mode });
      },
    };
  };
  return [
    ...runtimesOf("nodejs").map((runtime) =>
      onlineJob("nodejs", [runtime], { NODE_MAJOR: String(nodeMajorOf(runtime)) }),
    ),
    onlineJob("provided", runtimesOf("provided")),
  ];
}

async function runJob(options: ImageBuildOptions, job: BuildJob): Promise<BuiltImage> {
  const { docker, log } = options;
  const tags = job.runtimes.map((runtime) => runtimeImage(runtime));
  const [first, ...others] = tags;
  if (!first) return { tags, status: "up to date" };
  const previous = await inspectImage(docker, first);
  if (previous?.Config?.Labels?.[RECIPE_LABEL] === job.recipe) {
    await tagAll(docker, first, others);
    return { tags, status: "up to date" };
  }
  const dir = mkdtempSync(join(tmpdir(), "lambkin-image-"));
  try {
    job.writeContext(dir);
    log?.(
      `building ${tags.join(", ")} (${options.offline ? "offline, from this host" : "from public base images"})`,
    );
    const stream = await docker.buildImage(
      { context: dir, src: ["Dockerfile", options.offline ? "rootfs" : "runtime"] },
      {
        t: first,
        rm: true,
        forcerm: true,
        buildargs: job.buildargs,
        labels: {
          [RECIPE_LABEL]: job.recipe,
          [BOOTSTRAP_LABEL]: bootstrapDigest(job.family),
          [RUNTIME_LABEL]: job.runtimes.join(" "),
          [BUILD_MODE_LABEL]: options.offline ? "offline" : "online",
        },
      },
    );
    await followBuild(docker, stream, log);
    await tagAll(docker, first, others);
    // The image these tags named before is left without a name: remove it unless something still uses it.
    if (previous)
      await docker
        .getImage(previous.Id)
        .remove()
        .catch(() => undefined);
    return { tags, status: "built" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Follows a docker build's progress, its lines to `log`, and rejects with the build's own error. */
export function followBuild(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  log?: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: { error?: string }[]) => {
        const failed = error?.message ?? output?.find((event) => event.error)?.error;
        if (failed) reject(new Error(`docker build failed: ${failed}`));
        else resolve();
      },
      (event: { stream?: string }) => {
        const line = event.stream?.trimEnd();
        if (line) log?.(line);
      },
    );
  });
}

async function inspectImage(docker: Docker, image: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(image).inspect();
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

async function tagAll(docker: Docker, source: string, tags: readonly string[]): Promise<void> {
  for (const tag of tags) {
    await docker
      .getImage(source)
      .tag({ repo: RUNTIME_IMAGE_REPOSITORY, tag: tag.slice(RUNTIME_IMAGE_REPOSITORY.length + 1) });
  }
}

function digest(...parts: string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex").slice(0, 16);
}
