/**
 * Prepares a function's code when one of its environments starts: a function with a `package.artifact` runs from
 * that zip's contents (runtime/packaging/artifact-extract.ts); a handler that names a TypeScript source
 * (typescript-handler.ts) is bundled (bundle-store.ts, by content: only what changed is rebuilt) and the environment
 * is started with the bundle's handler; every other function is started as it is. Bundling when an environment
 * starts — not when Lambkin starts — is what lets a hot reload pick the new code up. Concurrent starts of one
 * function share one build.
 *
 * Source maps: Lambda's Node.js runtime maps stack traces through source maps only with
 * `NODE_OPTIONS=--enable-source-maps` (https://docs.aws.amazon.com/lambda/latest/dg/typescript-exceptions.html),
 * which serverless-esbuild users set in serverless.yml themselves. Lambkin sets it for a bundled function whose
 * environment does not set NODE_OPTIONS, so that traces point at the `.ts` lines; a NODE_OPTIONS the function sets
 * is kept exactly as written, as on Lambda (LKN_WRN_TYPESCRIPT_SOURCE_MAPS_OFF says when it leaves them off).
 */
import { coded, type LambkinCode } from "../errors/lambkin-codes.js";
import { type FunctionDefinition, isNodeRuntime } from "../manifest/function-definition.js";
import { extractArtifact } from "../packaging/artifact-extract.js";
import { SandboxStartError } from "../sandbox/sandbox-start-error.js";
import { type BuiltBundle, bundleFunction, formatProblem } from "./bundle-store.js";
import { bundleSettings } from "./esbuild-settings.js";
import { typeScriptEntryOf } from "./typescript-handler.js";

export const SOURCE_MAPS_FLAG = "--enable-source-maps";

export interface BundlerLog {
  warn(code: LambkinCode, message: string): void;
  error(code: LambkinCode, message: string): void;
  info(message: string): void;
}

export class TypeScriptBundler {
  private readonly building = new Map<string, Promise<BuiltBundle>>();
  private readonly extracting = new Map<string, Promise<string>>();
  /** What was already said, so that each thing is said once (a problem, an ignored option). */
  private readonly said = new Set<string>();

  constructor(private readonly log: BundlerLog) {}

  /** The definition to start an environment with: `fn` itself, or the same function running its bundle. */
  async prepare(declared: FunctionDefinition): Promise<FunctionDefinition> {
    const fn = declared.artifact ? await this.fromArtifact(declared, declared.artifact) : declared;
    if (fn.image || !isNodeRuntime(fn.runtime)) return fn;
    const entry = typeScriptEntryOf(fn.handler, fn.serviceDir);
    if (!entry) return fn;
    const key = `${fn.serviceDir}\0${fn.key}`;
    let pending = this.building.get(key);
    if (!pending) {
      const settings = bundleSettings({
        runtime: fn.runtime,
        serviceDir: fn.serviceDir,
        entryExtension: entry.extension,
        custom: fn.esbuild,
        purpose: "dev",
      });
      for (const option of settings.ignored) {
        this.once(`option\0${fn.serviceDir}\0${option}`, () =>
          this.log.warn(
            "LKN_WRN_ESBUILD_OPTION_IGNORED",
            `${fn.manifestPath}: custom.esbuild.${option} is not applied by Lambkin's bundler (it bundles ${fn.key} without it)`,
          ),
        );
      }
      // Said once per build (not per environment), so that starts sharing a build say it once.
      pending = bundleFunction({ serviceDir: fn.serviceDir, functionKey: fn.key, entry, settings }).then(
        (bundle) => {
          if (bundle.built && !bundle.problem)
            this.log.info(`bundled ${fn.key}'s TypeScript handler into ${bundle.dir}`);
          return bundle;
        },
      );
      this.building.set(key, pending);
      void pending.then(
        () => this.building.delete(key),
        () => this.building.delete(key),
      );
    }
    let bundle: BuiltBundle;
    try {
      bundle = await pending;
    } catch (error) {
      // Not the code's fault (the build folder cannot be written, esbuild cannot run): the invocation fails in
      // Lambda's shape, as an environment that cannot load its code, and Lambkin says why.
      const reason = (error as Error).message;
      this.once(`failed\0${fn.serviceDir}\0${fn.key}\0${reason}`, () =>
        this.log.error(
          "LKN_ERR_TYPESCRIPT_BUILD_FAILED",
          `${fn.key} (${fn.serviceDir}) cannot be bundled: ${reason}`,
        ),
      );
      throw new SandboxStartError(
        "Runtime.ImportModuleError",
        `Error: cannot bundle ${entry.source}: ${reason}`,
      );
    }
    this.report(fn, bundle);
    return { ...fn, handler: bundle.handler, environment: withSourceMaps(fn, this) };
  }

  /** The function running from its `package.artifact`'s contents (extracted once per zip content). */
  private async fromArtifact(fn: FunctionDefinition, artifact: string): Promise<FunctionDefinition> {
    let pending = this.extracting.get(artifact);
    if (!pending) {
      pending = extractArtifact(artifact, fn.serviceDir);
      this.extracting.set(artifact, pending);
      void pending.then(
        () => this.extracting.delete(artifact),
        () => this.extracting.delete(artifact),
      );
    }
    try {
      return { ...fn, serviceDir: await pending };
    } catch (error) {
      const reason = (error as Error).message;
      this.once(`artifact\0${artifact}\0${reason}`, () =>
        this.log.error(
          "LKN_ERR_PACKAGE_ARTIFACT_INVALID",
          `${fn.key}'s package.artifact ${artifact} ${reason}`,
        ),
      );
      throw new SandboxStartError(
        "Runtime.ImportModuleError",
        `Error: package.artifact ${artifact} ${reason}`,
      );
    }
  }

  private report(fn: FunctionDefinition, bundle: BuiltBundle): void {
    if (bundle.problem) {
      this.once(`problem\0${bundle.dir}`, () =>
        this.log.error(
          bundle.problem?.kind === "syntax" ? "LKN_ERR_TYPESCRIPT_SYNTAX" : "LKN_ERR_TYPESCRIPT_UNRESOLVED",
          `${fn.key} (${fn.serviceDir}) does not build; its invocations fail until it does:\n${formatProblem(
            bundle.problem as NonNullable<BuiltBundle["problem"]>,
          )}`,
        ),
      );
      return;
    }
    for (const warning of bundle.warnings) {
      this.once(`warning\0${bundle.dir}\0${warning}`, () =>
        this.log.warn("LKN_WRN_TYPESCRIPT_BUILD_WARNING", `${fn.key}: esbuild: ${warning}`),
      );
    }
  }

  sourceMapsOff(fn: FunctionDefinition): void {
    this.once(`maps\0${fn.name}`, () =>
      this.log.warn(
        "LKN_WRN_TYPESCRIPT_SOURCE_MAPS_OFF",
        `${fn.name} sets NODE_OPTIONS without ${SOURCE_MAPS_FLAG}: its stack traces point at the bundle, not the .ts lines (as on Lambda)`,
      ),
    );
  }

  private once(key: string, say: () => void): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    say();
  }
}

function withSourceMaps(
  fn: FunctionDefinition,
  bundler: TypeScriptBundler,
): Readonly<Record<string, string>> {
  const own = fn.environment.NODE_OPTIONS;
  if (own === undefined) return { ...fn.environment, NODE_OPTIONS: SOURCE_MAPS_FLAG };
  if (!own.split(/\s+/).includes(SOURCE_MAPS_FLAG)) bundler.sourceMapsOff(fn);
  return fn.environment;
}

/** A logger's view for the bundler: pino's warn/error with Lambkin's code, `[code] message`. */
export function bundlerLogOf(logger: {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  info(message: string): void;
}): BundlerLog {
  return {
    warn: (code, message) => logger.warn({ code }, coded(code, message)),
    error: (code, message) => logger.error({ code }, coded(code, message)),
    info: (message) => logger.info(message),
  };
}
