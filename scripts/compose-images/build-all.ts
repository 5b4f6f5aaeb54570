/**
 * Every image docker-compose.yml needs in CI, built from this host (recipes.ts), and the compose file's
 * variables that name them.
 */
import { connectDocker } from "../../runtime/sandbox/docker/docker-engine.js";
import { buildHostImage, type HostImageResult } from "./host-image.js";
import { CI_IMAGES, ciRecipes } from "./recipes.js";

/** The compose file's variables, each naming the image built here. */
export const COMPOSE_IMAGE_VARIABLES = {
  LAMBKIN_BASE_IMAGE: CI_IMAGES.base,
  REDIS_IMAGE: CI_IMAGES.redis,
  DYNAMODB_IMAGE: CI_IMAGES.dynamodb,
  MAILPIT_IMAGE: CI_IMAGES.mailpit,
} as const;

export async function buildComposeImages(log: (line: string) => void = () => {}): Promise<HostImageResult[]> {
  const docker = connectDocker();
  const results: HostImageResult[] = [];
  for (const recipe of ciRecipes()) results.push(await buildHostImage(docker, recipe, log));
  return results;
}
