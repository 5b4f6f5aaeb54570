/**
 * loadServices: the manifest loader's entry point. Given a service folder or a folder of services, it returns every
 * function Lambkin can run, fully resolved and validated, with the warnings about what it will not reproduce.
 * Lambda names are unique per account and region, so two services declaring the same name are an error that names
 * both files; so are two schedules making rules of one name.
 */
import { discoverServices } from "./discover-services.js";
import { checkFilterPatterns } from "./filter-patterns.js";
import type { FunctionDefinition } from "./function-definition.js";
import { type LoadedService, loadService } from "./load-service.js";
import { ManifestError, type ManifestWarning } from "./manifest-error.js";
import { type S3NotificationRule, s3NotificationRules } from "./s3-events.js";
import type { ScheduleRule } from "./schedule-rule.js";
import type { ServiceResource } from "./service-resources.js";
import { type SnsDeclarations, snsDeclarations } from "./sns-events.js";
import { type SqsEventSourceMapping, sqsEventSourceMappings } from "./sqs-events.js";
import { type StaticSite, servedSite } from "./static-site.js";

export interface LoadOptions {
  /** `--stage`: overrides `provider.stage`, as `${opt:stage}` does in the Serverless Framework. */
  readonly stage?: string | undefined;
  /** `--region`: overrides `provider.region`. */
  readonly region?: string | undefined;
  /** The environment `${env:…}` reads; `process.env` by default. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /**
   * `lambkin dev`'s reload: a service whose manifest fails to load is replaced by its last good load — or left
   * out, if it never loaded — and its error handed to `refused`, so that one bad serverless.yml does not stop the
   * others. Without it (at start), the first error stops the load.
   */
  readonly fallback?: ServiceFallback;
}

export interface ServiceFallback {
  lastGood(manifestPath: string): LoadedService | undefined;
  refused(manifestPath: string, error: unknown): void;
}

export interface LoadedServices {
  readonly functions: FunctionDefinition[];
  /** Every service's declared queues, topics, tables and buckets (service-resources.ts). */
  readonly resources: ServiceResource[];
  /** The bucket notifications the functions' `s3` events configure, validated across every service. */
  readonly s3Notifications: S3NotificationRule[];
  /** The topics and subscriptions of `sns` events and AWS::SNS::Topic resources (sns-events.ts). */
  readonly sns: Omit<SnsDeclarations, "warnings">;
  /** The SQS event source mappings the functions' `sqs` events make, validated. */
  readonly sqsMappings: SqsEventSourceMapping[];
  /** The static website the gateway serves at `/` (serverless-finch's), the first service's when several declare one. */
  readonly site: StaticSite | undefined;
  readonly warnings: ManifestWarning[];
  /** Each service as loaded, by the path of its serverless.yml (what a fallback falls back to). */
  readonly byManifest?: ReadonlyMap<string, LoadedService>;
}

const NOTHING_LOADED: LoadedService = {
  functions: [],
  resources: [],
  site: undefined,
  warnings: [],
  configurationFiles: [],
};

export async function loadServices(dir: string, options: LoadOptions = {}): Promise<LoadedServices> {
  const discovered = await discoverServices(dir);
  const serviceOptions = { stage: options.stage, region: options.region, env: options.env ?? process.env };
  const functions: FunctionDefinition[] = [];
  const resources: ServiceResource[] = [];
  const sites: StaticSite[] = [];
  const warnings = [...discovered.warnings];
  const byName = new Map<string, FunctionDefinition>();
  const rules = new Map<string, { fn: FunctionDefinition; rule: ScheduleRule }>();
  const byManifest = new Map<string, LoadedService>();
  const { fallback } = options;
  for (const manifest of discovered.manifests) {
    let service: LoadedService;
    try {
      service = await loadService(manifest, serviceOptions);
    } catch (error) {
      if (!fallback) throw error;
      fallback.refused(manifest, error);
      service = fallback.lastGood(manifest) ?? NOTHING_LOADED;
    }
    byManifest.set(manifest, service);
    for (const fn of service.functions) {
      const other = byName.get(fn.name);
      if (other) throw duplicateName(fn, other);
      byName.set(fn.name, fn);
      functions.push(fn);
      for (const rule of fn.schedules) {
        const other = rules.get(rule.arn);
        if (other) throw duplicateRule(fn, rule, other);
        rules.set(rule.arn, { fn, rule });
      }
    }
    checkFilterPatterns(service.functions);
    resources.push(...service.resources);
    if (service.site) sites.push(service.site);
    warnings.push(...service.warnings);
  }
  const site = servedSite(sites, warnings);
  const { warnings: snsWarnings, ...sns } = snsDeclarations(functions, resources);
  warnings.push(...snsWarnings);
  const sqsMappings = sqsEventSourceMappings(functions, warnings);
  return {
    functions,
    resources,
    s3Notifications: s3NotificationRules(functions),
    sqsMappings,
    sns,
    site,
    warnings,
    byManifest,
  };
}

/** EventBridge rule names (and Scheduler schedule names) are unique per account and region, like function names. */
function duplicateRule(
  fn: FunctionDefinition,
  rule: ScheduleRule,
  other: { fn: FunctionDefinition; rule: ScheduleRule },
): ManifestError {
  const where = other.fn.manifestPath === fn.manifestPath ? "" : ` in ${other.fn.manifestPath}`;
  return new ManifestError(
    fn.manifestPath,
    rule.keyPath,
    `makes the rule ${rule.name}, which ${other.rule.keyPath}${where} already makes`,
    "Rule names are unique per account and region: give one of the schedules another name",
    "LKN_ERR_MANIFEST_SCHEDULE",
  );
}

function duplicateName(fn: FunctionDefinition, other: FunctionDefinition): ManifestError {
  return new ManifestError(
    fn.manifestPath,
    ["functions", fn.key],
    `its Lambda name ${fn.name} is already taken by functions.${other.key} in ${other.manifestPath}`,
    "Lambda names are unique per account and region: rename one of the services or set a different functions.<key>.name",
    "LKN_ERR_MANIFEST_DUPLICATE_NAME",
  );
}
