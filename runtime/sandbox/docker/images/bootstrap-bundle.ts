/**
 * The files a Lambkin runtime image carries in /var/runtime: the launcher that turns a (standby)
 * container into an environment, and for the nodejs images the compiled Node bootstrap with an
 * AWS-style `bootstrap` script; plus their digest, which labels each image so that an image built from
 * another version of these files is refused instead of silently running old code.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LambkinCode } from "../../../errors/lambkin-codes.js";
import { PACKAGE_ROOT } from "../../../package-paths.js";
import type { ImageFamily } from "./runtime-images.js";

export interface BundleFile {
  /** Path under /var/runtime. */
  readonly name: string;
  readonly source: string;
  readonly mode: number;
}

export const DOCKER_RUNTIME_DIR = join(PACKAGE_ROOT, "docker", "runtime");

function nodeBootstrapDir(): string {
  const dir = join(PACKAGE_ROOT, "dist", "runtime", "bootstrap", "node");
  if (!existsSync(join(dir, "index.js"))) {
    throw Object.assign(
      new Error(`The Node bootstrap is not built (${dir}/index.js is missing): run \`npm run build\`.`),
      { code: "LKN_ERR_IMAGES_BOOTSTRAP_NOT_BUILT" satisfies LambkinCode },
    );
  }
  return dir;
}

export function bootstrapBundle(family: ImageFamily): BundleFile[] {
  const launcher = {
    name: "lambkin-launch",
    source: join(DOCKER_RUNTIME_DIR, "lambkin-launch"),
    mode: 0o755,
  };
  // provided*: the runtime is the function's own bootstrap; nothing else belongs in /var/runtime.
  if (family === "provided") return [launcher];
  const dir = nodeBootstrapDir();
  const compiled = readdirSync(dir)
    .filter((name) => name.endsWith(".js") || name === "package.json")
    .sort()
    .map((name) => ({ name, source: join(dir, name), mode: 0o644 }));
  return [
    ...compiled,
    launcher,
    { name: "bootstrap", source: join(DOCKER_RUNTIME_DIR, "node-bootstrap"), mode: 0o755 },
  ];
}

/** sha256 over the bundle's names and contents (first 16 hex digits). */
export function bootstrapDigest(family: ImageFamily): string {
  const hash = createHash("sha256");
  for (const file of bootstrapBundle(family)) {
    hash.update(file.name).update("\0").update(readFileSync(file.source)).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}
