/**
 * The esbuild options a TypeScript handler is bundled with, as serverless-esbuild derives them: `bundle`,
 * `platform: node`, `target` from the function's runtime (`nodejs20.x` → `node20`), `format` from the service's
 * package.json `type` (`module` → esm, else cjs; a `.mts` / `.cts` entry says it itself), and the `custom.esbuild`
 * options of serverless.yml that change the code, passed through. `@aws-sdk/*` is always external: the Node.js
 * runtimes from nodejs18.x on provide the AWS SDK for JavaScript v3
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html), so a bundle leaves it to be resolved at run
 * time (from the service's node_modules in Lambkin: the bundle lives inside the service folder, bundle-store.ts).
 * Options Lambkin does not honour are named, so that a coded warning can say so.
 * https://github.com/floydspace/serverless-esbuild#options, https://esbuild.github.io/api/
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BuildOptions } from "esbuild";
import type { LambdaRuntime } from "../manifest/function-definition.js";

export type ModuleFormat = "esm" | "cjs";

/** esbuild build options passed through from custom.esbuild as they are. */
const PASSED_THROUGH = new Set([
  "minify",
  "minifyWhitespace",
  "minifyIdentifiers",
  "minifySyntax",
  "keepNames",
  "define",
  "banner",
  "footer",
  "loader",
  "mainFields",
  "conditions",
  "tsconfig",
  "tsconfigRaw",
  "treeShaking",
  "legalComments",
  "charset",
  "supported",
  "pure",
  "drop",
  "dropLabels",
  "jsx",
  "jsxFactory",
  "jsxFragment",
  "jsxImportSource",
  "inject",
  "alias",
  "resolveExtensions",
  "nodePaths",
  "ignoreAnnotations",
  "logOverride",
]);
/** Options read below (not passed through blindly). */
const READ_HERE = new Set([
  "external",
  "exclude",
  "format",
  "target",
  "sourcemap",
  "sourcesContent",
  "outputFileExtension",
  "platform",
  "bundle",
  "packages",
]);

export interface BundleSettings {
  /** The options of the build, without entry point and output (bundle-store.ts sets those). */
  readonly options: BuildOptions;
  readonly format: ModuleFormat;
  /** `.js`, `.mjs` or `.cjs`: what the runtime loads the bundle as, under the service's package.json. */
  readonly outputExtension: string;
  /** custom.esbuild keys Lambkin does not apply, for LKN_WRN_ESBUILD_OPTION_IGNORED. */
  readonly ignored: readonly string[];
}

export interface SettingsInput {
  readonly runtime: LambdaRuntime;
  readonly serviceDir: string;
  /** The entry's extension (`.ts`, `.mts`, `.cts`, `.tsx`). */
  readonly entryExtension: string;
  /** The service's custom.esbuild mapping, resolved (or undefined). */
  readonly custom: Readonly<Record<string, unknown>> | undefined;
  /**
   * `dev`: always source maps, linked (the `.map` next to the bundle), so that traces point at the `.ts` lines;
   * `package`: custom.esbuild.sourcemap as written, what `serverless package` would ship.
   */
  readonly purpose: "dev" | "package";
}

export function bundleSettings(input: SettingsInput): BundleSettings {
  const custom = input.custom ?? {};
  const ignored: string[] = [];
  const passed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(custom)) {
    if (PASSED_THROUGH.has(key)) passed[key] = value;
    else if (!READ_HERE.has(key)) ignored.push(key);
  }
  const typeModule = packageTypeIsModule(input.serviceDir);
  const ownPackageJson = existsSync(join(input.serviceDir, "package.json"));
  const format = formatOf(custom.format, input.entryExtension, typeModule, ignored);
  if (custom.platform !== undefined && custom.platform !== "node") ignored.push("platform");
  if (custom.bundle === false) ignored.push("bundle");
  const external = [
    "@aws-sdk/*",
    ...stringList(custom.external),
    // serverless-esbuild's `exclude` is passed to esbuild as external too ("*": every package).
    ...stringList(custom.exclude).filter((name) => name !== "*"),
  ];
  const excludeAll = stringList(custom.exclude).includes("*") || custom.packages === "external";
  const sourcemap = input.purpose === "dev" ? "linked" : (sourcemapOf(custom.sourcemap) ?? false);
  const options: BuildOptions = {
    ...passed,
    bundle: true,
    platform: "node",
    format,
    target:
      typeof custom.target === "string" || Array.isArray(custom.target)
        ? (custom.target as string)
        : targetOf(input.runtime),
    external: [...new Set(external)],
    ...(excludeAll ? { packages: "external" as const } : {}),
    sourcemap,
    ...(typeof custom.sourcesContent === "boolean" ? { sourcesContent: custom.sourcesContent } : {}),
  };
  return {
    options,
    format,
    outputExtension: outputExtensionOf(
      custom.outputFileExtension,
      format,
      typeModule,
      ownPackageJson,
      ignored,
    ),
    ignored,
  };
}

/** `nodejs22.x` → `node22`, serverless-esbuild's table of runtimes. */
export function targetOf(runtime: LambdaRuntime): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  return major ? `node${major}` : "node20";
}

function formatOf(
  value: unknown,
  entryExtension: string,
  typeModule: boolean,
  ignored: string[],
): ModuleFormat {
  if (value === "esm" || value === "cjs") return value;
  if (value !== undefined) ignored.push("format");
  if (entryExtension === ".mts") return "esm";
  if (entryExtension === ".cts") return "cjs";
  return typeModule ? "esm" : "cjs";
}

/**
 * The extension the runtime loads the bundle with its intended format: the Node runtime loads `.js` as the
 * nearest package.json's `type` says (RIC UserFunction.js), so an ES module bundle in a CommonJS service is `.mjs`.
 */
function outputExtensionOf(
  value: unknown,
  format: ModuleFormat,
  typeModule: boolean,
  ownPackageJson: boolean,
  ignored: string[],
): string {
  if (value === ".js" || value === ".mjs" || value === ".cjs") return value;
  if (value !== undefined) ignored.push("outputFileExtension");
  // Without a package.json of its own, `.js` would be read as whatever a folder above says (the runtime walks up):
  // an explicit extension means the same thing there and in the zip.
  if (!ownPackageJson) return format === "esm" ? ".mjs" : ".cjs";
  if (format === "esm") return typeModule ? ".js" : ".mjs";
  return typeModule ? ".cjs" : ".js";
}

function sourcemapOf(value: unknown): BuildOptions["sourcemap"] | undefined {
  if (value === true || value === false) return value;
  if (value === "inline" || value === "external" || value === "linked" || value === "both") return value;
  return undefined;
}

function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** The service's package.json says `"type": "module"` (no package.json, or an unreadable one: CommonJS). */
export function packageTypeIsModule(serviceDir: string): boolean {
  try {
    return (
      (JSON.parse(readFileSync(join(serviceDir, "package.json"), "utf8")) as { type?: unknown }).type ===
      "module"
    );
  } catch {
    return false;
  }
}
