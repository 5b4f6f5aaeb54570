/** Paths of the serverless.yml fixtures under test/fixtures/manifest, and a helper to catch a ManifestError. */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LoadOptions, loadServices } from "../../../runtime/manifest/load-services.js";
import { ManifestError } from "../../../runtime/manifest/manifest-error.js";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/manifest/", import.meta.url));

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

/** Loads with an empty environment unless told otherwise, so that the host's variables never leak in. */
export function load(dir: string, options: LoadOptions = {}) {
  return loadServices(dir, { env: {}, ...options });
}

export async function loadError(dir: string, options: LoadOptions = {}): Promise<ManifestError> {
  try {
    await load(dir, options);
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error(`expected ${dir} to fail with a ManifestError`);
}

/** The one invalid fixture's error: `invalid/<name>/serverless.yml`. */
export function invalidFixtureError(name: string, options: LoadOptions = {}): Promise<ManifestError> {
  return loadError(fixture("invalid", name), options);
}

export function invalidManifest(name: string): string {
  return fixture("invalid", name, "serverless.yml");
}
