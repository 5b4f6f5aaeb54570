/**
 * Loads the functions of one service from its serverless.yml: reads the file, resolves the settings every
 * function shares, names each function, and builds the definitions with their warnings.
 */
import { dirname, resolve } from "node:path";
import { IntrinsicEvaluator, type StackContext } from "./cloudformation-intrinsics.js";
import { functionLogicalId } from "./cloudformation-resources.js";
import { buildFunction, type ServiceContext } from "./function-builder.js";
import type { FunctionDefinition } from "./function-definition.js";
import { lambdaName } from "./function-name.js";
import type { ManifestWarning } from "./manifest-error.js";
import { readManifest } from "./read-manifest.js";
import { serviceResolver } from "./service-resolver.js";
import { type ServiceResource, serviceResources } from "./service-resources.js";
import { declaredResource, functionEntries, readServiceSettings } from "./service-settings.js";
import { type StaticSite, staticSiteOf } from "./static-site.js";
import { providerWarnings } from "./unsupported-features.js";

export interface ServiceLoadOptions {
  readonly stage?: string | undefined;
  readonly region?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

export interface LoadedService {
  readonly functions: FunctionDefinition[];
  /** The resources it declares that Lambkin stands in for (queues, topics, tables, buckets). */
  readonly resources: ServiceResource[];
  /** Its serverless-finch website, when it declares one (static-site.ts). */
  readonly site: StaticSite | undefined;
  readonly warnings: ManifestWarning[];
  /**
   * The files besides serverless.yml its values were read from, present or not — `.env` / `.env.<stage>` (with
   * useDotenv), `${file(…)}`s (which may be outside the service folder), lambkin-parameters.yml — for a watcher.
   */
  readonly configurationFiles: string[];
}

export async function loadService(manifestPath: string, options: ServiceLoadOptions): Promise<LoadedService> {
  const file = resolve(manifestPath);
  const { document, warnings } = await readManifest(file);
  const resolver = serviceResolver(file, document, options);
  const settings = readServiceSettings(resolver);
  const entries = functionEntries(resolver);
  const names = entries.map((entry) =>
    lambdaName(
      settings.service,
      settings.stage,
      entry.key,
      resolver.get([...entry.path, "name"]),
      file,
      entry.path,
    ),
  );
  // `!Ref HelloLambdaFunction` is how a serverless.yml points at one of its own functions.
  const namesByLogicalId = new Map(
    entries.map((entry, index) => [functionLogicalId(entry.key), names[index] as string]),
  );
  const stack: StackContext = {
    file,
    region: settings.region,
    stackName: settings.stackName,
    resource: (logicalId) => declaredResource(resolver, logicalId),
    functionName: (logicalId) => namesByLogicalId.get(logicalId),
  };
  const context: ServiceContext = {
    resolver,
    evaluator: new IntrinsicEvaluator(stack),
    settings,
    serviceDir: dirname(file),
    warnings: [...warnings, ...providerWarnings(resolver)],
  };
  const functions: FunctionDefinition[] = [];
  for (const [index, entry] of entries.entries()) {
    const definition = await buildFunction(context, entry, names[index] as string);
    if (definition) functions.push(definition);
  }
  const resources = serviceResources(
    resolver,
    context.evaluator,
    settings.service,
    settings.region,
    context.warnings,
  );
  const site = staticSiteOf(resolver, settings.service, context.serviceDir, context.warnings);
  return {
    functions,
    resources,
    site,
    warnings: context.warnings,
    configurationFiles: [...resolver.configurationFiles].sort(),
  };
}
