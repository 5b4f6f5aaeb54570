/**
 * Builds, from this host and without any Docker registry, the images docker-compose.yml needs in CI
 * (scripts/compose-images/recipes.ts), and prints the variables that point the compose file at them:
 *
 *   eval "$(npm run -s compose:images)"      # npm run build && node dist/scripts/build-compose-images.js
 *   docker compose up -d --scale worker=2
 *
 * Progress goes to stderr, the `export NAME=image` lines to stdout. Images already built from the same
 * host files are kept. The Lambkin image itself is built by compose (docker/Dockerfile), FROM the base
 * built here (LAMBKIN_BASE_IMAGE).
 */
import { buildComposeImages, COMPOSE_IMAGE_VARIABLES } from "./compose-images/build-all.js";

try {
  const results = await buildComposeImages((line) => process.stderr.write(`${line}\n`));
  for (const result of results) process.stderr.write(`${result.status.padEnd(10)} ${result.tag}\n`);
  for (const [name, image] of Object.entries(COMPOSE_IMAGE_VARIABLES))
    process.stdout.write(`export ${name}=${image}\n`);
} catch (error) {
  process.stderr.write(`build-compose-images: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
