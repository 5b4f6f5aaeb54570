/**
 * Finds the services under a folder: the folder itself when it holds a serverless.yml, else each direct
 * sub-folder that holds one (functions/hello, functions/coupon …). Like the Serverless Framework, a folder's
 * serverless.yml wins over its serverless.yaml; configuration in JSON, JavaScript or TypeScript is not read.
 */
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ManifestError, type ManifestWarning, manifestWarning } from "./manifest-error.js";

/** In the Framework's order of preference. */
const MANIFEST_NAMES = ["serverless.yml", "serverless.yaml"] as const;
const UNREAD_FORMATS = [
  "serverless.json",
  "serverless.js",
  "serverless.cjs",
  "serverless.mjs",
  "serverless.ts",
] as const;

export interface DiscoveredServices {
  /** Absolute paths of the serverless.yml files, in folder-name order. */
  readonly manifests: string[];
  readonly warnings: ManifestWarning[];
}

interface FolderManifest {
  readonly manifest?: string;
  readonly unread?: string;
  readonly warnings: ManifestWarning[];
}

export async function discoverServices(dir: string): Promise<DiscoveredServices> {
  const root = resolve(dir);
  const own = await folderManifest(root);
  if (own.manifest) return { manifests: [own.manifest], warnings: own.warnings };
  if (own.unread) {
    throw new ManifestError(
      own.unread,
      "",
      "is not supported: Lambkin reads serverless.yml only",
      "Convert the configuration to serverless.yml",
      "LKN_ERR_MANIFEST_FORMAT",
    );
  }
  const entries = await readdir(root, { withFileTypes: true });
  const folders = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules")
    .map((entry) => entry.name)
    .sort();
  const manifests: string[] = [];
  const warnings: ManifestWarning[] = [];
  for (const folder of folders) {
    const found = await folderManifest(join(root, folder));
    if (found.manifest) manifests.push(found.manifest);
    if (found.unread && !found.manifest)
      warnings.push(
        manifestWarning(
          found.unread,
          "",
          "is not loaded: Lambkin reads serverless.yml only",
          "LKN_WRN_MANIFEST_FILE_IGNORED",
        ),
      );
    warnings.push(...found.warnings);
  }
  if (manifests.length === 0) {
    throw new ManifestError(
      root,
      "",
      "holds no service: no serverless.yml in it or in its sub-folders",
      "Point Lambkin at a service folder, or at a folder whose sub-folders each hold a serverless.yml",
      "LKN_ERR_MANIFEST_NOT_FOUND",
    );
  }
  return { manifests, warnings };
}

async function folderManifest(folder: string): Promise<FolderManifest> {
  let names: Set<string>;
  try {
    names = new Set(
      (await readdir(folder, { withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) => entry.name),
    );
  } catch (error) {
    throw new ManifestError(
      folder,
      "",
      `cannot be read as a folder (${(error as Error).message})`,
      "Check the path: it should be a service folder or a folder of services",
      "LKN_ERR_MANIFEST_NOT_FOUND",
    );
  }
  const [manifest, ...shadowed] = MANIFEST_NAMES.filter((name) => names.has(name)).map((name) =>
    join(folder, name),
  );
  const unread = UNREAD_FORMATS.find((name) => names.has(name));
  const warnings = shadowed.map((path) =>
    manifestWarning(
      path,
      "",
      `is ignored: ${manifest} is read instead, as the Serverless Framework does`,
      "LKN_WRN_MANIFEST_FILE_IGNORED",
    ),
  );
  return { warnings, ...(manifest ? { manifest } : {}), ...(unread ? { unread: join(folder, unread) } : {}) };
}
