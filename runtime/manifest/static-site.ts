/**
 * A service's static website, as the serverless-finch plugin deploys it
 * (https://github.com/fernando-mc/serverless-finch, "Configuration Parameters"): with `plugins: [serverless-finch]`,
 * `serverless client deploy` uploads `custom.client.distributionFolder` (default `client/dist`, joined to the
 * service folder as the plugin joins it) to an S3 website bucket whose `indexDocument` (default `index.html`) answers
 * `/` and folders, and whose `errorDocument` (default `error.html`) answers what is not there — the index document
 * itself for a single-page app. Lambkin serves that folder on the gateway's port instead (gateway/static-site/).
 *
 * The folder must lie inside the service folder once symlinks are resolved, as handlers must
 * (handler-location.ts): a site is served to anyone who reaches the port. The plugin's deployment settings
 * (bucketName, tags, policies, sse, manageResources, uploadOrder) change nothing locally and are not read; the
 * ones that change what a browser gets and that Lambkin does not reproduce (keyPrefix, objectHeaders,
 * redirectAllRequestsTo, routingRules) are warned about.
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import {
  describeValue,
  type KeyPath,
  ManifestError,
  type ManifestWarning,
  manifestWarning,
} from "./manifest-error.js";
import { isMapping, type VariableResolver } from "./variable-resolver.js";

export interface StaticSite {
  /** The service that declares it. */
  readonly service: string;
  /** The folder served: absolute, symlinks resolved when it exists. */
  readonly root: string;
  /** The document of `/` and of every folder, e.g. `index.html` (S3's IndexDocument suffix). */
  readonly indexDocument: string;
  /** The document answering what the folder does not have, a key from the root (S3's ErrorDocument). */
  readonly errorDocument: string;
  /** The service folder, symlinks resolved: the root must stay inside it (checked again as files are served). */
  readonly serviceDir: string;
  readonly manifestPath: string;
}

const PLUGIN = "serverless-finch";
const SETTINGS: KeyPath = ["custom", "client"];
const DEFAULT_FOLDER = "client/dist";
const DEFAULT_INDEX = "index.html";
const DEFAULT_ERROR = "error.html";

/** Settings that change what a browser gets from the bucket, which Lambkin's site does not reproduce. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  keyPrefix: "the files are served from /, not under the key prefix",
  objectHeaders: "the files are served without these headers",
  redirectAllRequestsTo: "requests are not redirected: the folder is served",
  routingRules: "the routing rules are not applied",
};

/**
 * The site a service declares, or undefined when it uses no serverless-finch. A setting of the wrong kind is an
 * error (the plugin would fail the deployment); a folder Lambkin will not serve is a warning.
 * @throws ManifestError (LKN_ERR_MANIFEST_INVALID)
 */
export function staticSiteOf(
  resolver: VariableResolver,
  service: string,
  serviceDir: string,
  warnings: ManifestWarning[],
): StaticSite | undefined {
  const { file } = resolver;
  if (!usesFinch(resolver.get(["plugins"]))) return undefined;
  const settings = resolver.shallow(SETTINGS);
  if (settings === undefined || settings === null) {
    warnings.push(
      manifestWarning(
        file,
        SETTINGS,
        `is not set, so ${PLUGIN} has nothing to deploy and Lambkin serves no site for ${service}: give it at least a bucketName`,
        "LKN_WRN_SITE_NOT_SERVED",
      ),
    );
    return undefined;
  }
  if (!isMapping(settings)) {
    throw new ManifestError(
      file,
      SETTINGS,
      `must be ${PLUGIN}'s settings, not ${describeValue(settings)}`,
      "Write e.g. custom: { client: { bucketName: my-site, distributionFolder: client/dist } }",
    );
  }
  const folder = text(resolver, "distributionFolder", DEFAULT_FOLDER);
  const indexDocument = text(resolver, "indexDocument", DEFAULT_INDEX);
  const errorDocument = text(resolver, "errorDocument", DEFAULT_ERROR);
  // S3's IndexDocument is a suffix appended to folder keys: with a slash, S3 refuses it.
  if (indexDocument.includes("/")) {
    throw new ManifestError(
      file,
      [...SETTINGS, "indexDocument"],
      `${describeValue(indexDocument)} is not a file name: S3 appends it to every folder, so it has no slash`,
      "Write the index document's file name, e.g. indexDocument: index.html",
    );
  }
  if (errorDocument.startsWith("/")) {
    throw new ManifestError(
      file,
      [...SETTINGS, "errorDocument"],
      `${describeValue(errorDocument)} is not a file of the distribution folder`,
      "Write its path from the distribution folder, e.g. errorDocument: error.html (index.html for a single-page app)",
    );
  }
  for (const [key, effect] of Object.entries(UNSUPPORTED)) {
    if (settings[key] === undefined || settings[key] === null) continue;
    warnings.push(
      manifestWarning(
        file,
        [...SETTINGS, key],
        `not supported by Lambkin yet: ${effect}`,
        "LKN_WRN_MANIFEST_UNSUPPORTED",
      ),
    );
  }
  // serverless-finch: path.join(servicePath, distributionFolder), so an absolute path stays under the service.
  const serviceRoot = realpathSync(serviceDir);
  const lexical = resolve(join(serviceRoot, folder));
  const root = existsSync(lexical) ? realpathSync(lexical) : lexical;
  const inside = relative(serviceRoot, root);
  if (inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    warnings.push(
      manifestWarning(
        file,
        [...SETTINGS, "distributionFolder"],
        `${folder} is ${root}, outside the service folder ${serviceRoot}: Lambkin serves no site for ${service}, since anyone who reaches its port could read the folder`,
        "LKN_WRN_SITE_NOT_SERVED",
      ),
    );
    return undefined;
  }
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    warnings.push(
      manifestWarning(
        file,
        [...SETTINGS, "distributionFolder"],
        `${folder} (${root}) is not a folder yet: the site of ${service} answers nothing until it is (build it, e.g. npm run build)`,
        "LKN_WRN_SITE_NOT_SERVED",
      ),
    );
  }
  return { service, root, indexDocument, errorDocument, serviceDir: serviceRoot, manifestPath: file };
}

/** One site per port: the first service's; every later one is warned about. */
export function servedSite(
  sites: readonly StaticSite[],
  warnings: ManifestWarning[],
): StaticSite | undefined {
  const [first, ...others] = sites;
  for (const other of others) {
    warnings.push(
      manifestWarning(
        other.manifestPath,
        SETTINGS,
        `${other.service}'s site is not served: ${first?.service} (${first?.manifestPath}) declares one too, and the gateway's / serves the first service loaded. On AWS each has a bucket of its own`,
        "LKN_WRN_SITE_CONFLICT",
      ),
    );
  }
  return first;
}

/** `plugins: [serverless-finch]`, or the `{ localPath, modules: [...] }` form; a scoped fork counts too. */
function usesFinch(plugins: unknown): boolean {
  const list = isMapping(plugins) ? plugins.modules : plugins;
  if (!Array.isArray(list)) return false;
  return list.some((name) => typeof name === "string" && (name === PLUGIN || name.endsWith(`/${PLUGIN}`)));
}

function text(resolver: VariableResolver, key: string, fallback: string): string {
  const path = [...SETTINGS, key];
  const value = resolver.get(path);
  // The plugin reads each as `options.x || default`: an empty value is the default too.
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value !== "string") {
    throw new ManifestError(
      resolver.file,
      path,
      `must be a path, not ${describeValue(value)}`,
      `Write a path from the service folder, or leave it out for ${fallback}`,
    );
  }
  return value;
}
