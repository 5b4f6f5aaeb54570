/**
 * Makes sure every runtime image exists and carries this Lambkin's runtime files, building the missing
 * or stale ones — offline by default, since that needs no registry. For test setups and scripts; the
 * `lambkin images build` command always (re)builds what is out of date.
 */
import type Docker from "dockerode";
import { SUPPORTED_RUNTIMES } from "../../../manifest/function-definition.js";
import { statusOf } from "../docker-engine.js";
import { bootstrapDigest } from "./bootstrap-bundle.js";
import { type BuiltImage, buildRuntimeImages } from "./image-builder.js";
import { BOOTSTRAP_LABEL, imageFamily, runtimeImage } from "./runtime-images.js";

async function isCurrent(docker: Docker, image: string, digest: string): Promise<boolean> {
  try {
    const info = await docker.getImage(image).inspect();
    return info.Config?.Labels?.[BOOTSTRAP_LABEL] === digest;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

export async function ensureRuntimeImages(
  docker: Docker,
  options: { offline?: boolean; log?: (line: string) => void } = {},
): Promise<BuiltImage[]> {
  const checks = await Promise.all(
    SUPPORTED_RUNTIMES.map((runtime) =>
      isCurrent(docker, runtimeImage(runtime), bootstrapDigest(imageFamily(runtime))),
    ),
  );
  if (checks.every(Boolean)) return [];
  return buildRuntimeImages({ docker, offline: options.offline ?? true, log: options.log });
}
