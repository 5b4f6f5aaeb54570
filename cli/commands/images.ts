/**
 * `lambkin images build [--offline] [--missing]`: builds the runtime images the docker sandbox runs, one tag per
 * supported runtime (`lambkin/runtime:nodejs20.x`, …). Online from public base images; `--offline`
 * from the host alone (its node binary, its Debian bash/curl/coreutils/python3), where no registry is
 * reachable. Images that are up to date are left alone. `--missing` builds only when an image is missing or
 * was built from another version of Lambkin's runtime files, and keeps current ones whatever they were built
 * from (online or offline): what docker-compose.yml's one-shot `runtime-images` service runs, so that images
 * built offline on a CI host are used as they are, and a fresh machine gets them built.
 */

import pc from "picocolors";
import type { Logger } from "pino";
import { coded, codeOf } from "../../runtime/errors/lambkin-codes.js";
import { connectDocker, isUnreachable } from "../../runtime/sandbox/docker/docker-engine.js";
import { engineUnavailable } from "../../runtime/sandbox/docker/docker-errors.js";
import { ensureRuntimeImages } from "../../runtime/sandbox/docker/images/ensure-images.js";
import { type BuiltImage, buildRuntimeImages } from "../../runtime/sandbox/docker/images/image-builder.js";
import { EXIT_OK, UsageError } from "../usage-error.js";

const EXIT_FAILURE = 1;

export interface ImagesBuildFlags {
  readonly offline?: boolean;
  readonly missing?: boolean;
}

export async function imagesBuildCommand(flags: ImagesBuildFlags, logger: Logger): Promise<number> {
  const docker = connectDocker();
  try {
    await docker.ping();
  } catch (error) {
    if (isUnreachable(error))
      throw new UsageError(engineUnavailable(error).message, "LKN_ERR_DOCKER_ENGINE_UNAVAILABLE");
    throw error;
  }
  let results: BuiltImage[];
  try {
    const offline = flags.offline ?? false;
    const log = (line: string) => logger.info(line);
    results = flags.missing
      ? await ensureRuntimeImages(docker, { offline, log })
      : await buildRuntimeImages({ docker, offline, log });
  } catch (error) {
    const hint = flags.offline
      ? ""
      : " (no registry reachable? `lambkin images build --offline` builds from this host)";
    const code = codeOf(error) ?? "LKN_ERR_IMAGES_BUILD_FAILED";
    process.stderr.write(
      `${pc.red("images build failed:")} ${coded(code, (error as Error).message)}${hint}\n`,
    );
    return EXIT_FAILURE;
  }
  if (flags.missing && results.length === 0) process.stdout.write("up to date (every runtime image)\n");
  for (const result of results) {
    process.stdout.write(`${result.status.padEnd(10)} ${result.tags.join(" ")}\n`);
  }
  return EXIT_OK;
}
