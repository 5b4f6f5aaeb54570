/**
 * The buckets a manifest declares, created in Lambkin's S3 when it starts, and the notification rules they carry:
 *
 * - `AWS::S3::Bucket` resources (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucket.html),
 *   named by BucketName (or the name the loader generates), with their CorsConfiguration applied (s3rver serves
 *   CORS); their LambdaConfigurations become notification rules (bucket-notification-configuration.ts);
 * - the buckets of functions' `s3` events without `existing: true`, which the Serverless Framework creates
 *   (https://www.serverless.com/framework/docs/providers/aws/events/s3).
 *
 * Creation is idempotent and race-safe: a bucket that exists (BucketAlreadyOwnedByYou, or BucketAlreadyExists
 * from an S3 that says so) is reported as existing, so several Lambkin processes may start on one S3. Properties
 * Lambkin does not reproduce are warned with their key path (LKN_WRN_RESOURCE_PROPERTY_IGNORED), at load.
 */
import { CreateBucketCommand, PutBucketCorsCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import {
  formatKeyPath,
  type ManifestWarning,
  manifestWarning,
} from "../../runtime/manifest/manifest-error.js";
import {
  BUCKET_NAME,
  MAX_CONFIGURATIONS_PER_BUCKET,
  overlapError,
  overlaps,
  type S3NotificationRule,
  s3NotificationRules,
  tooManyError,
} from "../../runtime/manifest/s3-events.js";
import type { ServiceResource } from "../../runtime/manifest/service-resources.js";
import { isMapping } from "../../runtime/manifest/variable-resolver.js";
import { corsRulesOf } from "./bucket-cors.js";
import { lambdaNotificationRules } from "./bucket-notification-configuration.js";
import { resourceInvalid } from "./resource-invalid.js";

const BUCKET_TYPE = "AWS::S3::Bucket";
/** The properties Lambkin reproduces: the name, Lambda notifications (others warned there), CORS. */
const REPRODUCED = new Set(["BucketName", "NotificationConfiguration", "CorsConfiguration"]);
/** What not reproducing a property means, for the ones people rely on. */
const IGNORED_MEANS: Readonly<Record<string, string>> = {
  VersioningConfiguration: "objects keep no versions: an overwrite or a delete replaces the object for good",
  LifecycleConfiguration: "objects never expire or change storage class",
  BucketEncryption: "objects are stored unencrypted in Lambkin's state folder",
  PublicAccessBlockConfiguration:
    "Lambkin's S3 checks no permissions: every client reads and writes every object",
  AccessControl: "Lambkin's S3 checks no permissions: every client reads and writes every object",
  OwnershipControls: "Lambkin's S3 checks no permissions: every client reads and writes every object",
  WebsiteConfiguration: "the bucket serves no website",
  ObjectLockConfiguration: "objects are not locked",
  ObjectLockEnabled: "objects are not locked",
  ReplicationConfiguration: "objects are not replicated",
};

export class BucketCreationError extends Error {
  override readonly name = "BucketCreationError";
  readonly code = "LKN_ERR_S3_BUCKET_NOT_CREATED";
}

/** The bucket resources, in declaration order. */
function bucketResources(resources: readonly ServiceResource[]): ServiceResource[] {
  return resources.filter((resource) => resource.type === BUCKET_TYPE);
}

/** The buckets functions' `s3` events name without `existing: true` (validated by the loader), once each. */
export function bucketsOfS3Events(functions: readonly FunctionDefinition[]): string[] {
  const names = new Set<string>();
  for (const fn of functions) {
    for (const entry of fn.events) {
      if (!Object.hasOwn(entry, "s3")) continue;
      const settings = entry.s3;
      if (typeof settings === "string") names.add(settings);
      else if (isMapping(settings) && typeof settings.bucket === "string" && settings.existing !== true)
        names.add(settings.bucket);
    }
  }
  return [...names];
}

/**
 * Creates every declared bucket (and `alsoCreate`, e.g. bucketsOfS3Events(functions)) that does not exist, and
 * applies the declared CORS rules. Resolves with what it created and what was there; rejects with a
 * BucketCreationError (or the ManifestError of an invalid CorsConfiguration, which bucketNotificationRules
 * reports at load) when the S3 refuses.
 */
export async function createDeclaredBuckets(
  resources: readonly ServiceResource[],
  client: S3Client,
  logger: Logger,
  alsoCreate: readonly string[] = [],
): Promise<{ created: string[]; existing: string[] }> {
  const declared = bucketResources(resources);
  const cors = declared.map((resource) => ({ resource, rules: corsRulesOf(resource) }));
  const names = [...new Set([...declared.map((resource) => resource.name), ...alsoCreate])];
  const outcomes = await Promise.all(
    names.map(async (name) => ({ name, created: await createBucket(client, name) })),
  );
  for (const { resource, rules } of cors) {
    if (rules === undefined) continue;
    try {
      await client.send(
        new PutBucketCorsCommand({ Bucket: resource.name, CORSConfiguration: { CORSRules: rules } }),
      );
    } catch (error) {
      throw notCreated(`the CORS rules of bucket ${resource.name} (${declaredAt(resource)})`, error);
    }
  }
  const created = outcomes.filter((outcome) => outcome.created).map((outcome) => outcome.name);
  const existing = outcomes.filter((outcome) => !outcome.created).map((outcome) => outcome.name);
  if (names.length > 0) {
    logger.info(`s3: buckets ${[...created.map((name) => `${name} (created)`), ...existing].join(", ")}`);
  }
  return { created, existing };
}

/** true when this call created the bucket, false when it was there. */
async function createBucket(client: S3Client, name: string): Promise<boolean> {
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
    return true;
  } catch (error) {
    const code = (error as { name?: unknown }).name;
    if (code === "BucketAlreadyOwnedByYou" || code === "BucketAlreadyExists") return false;
    throw notCreated(`bucket ${name}`, error);
  }
}

function notCreated(what: string, error: unknown): BucketCreationError {
  const code = "LKN_ERR_S3_BUCKET_NOT_CREATED";
  return new BucketCreationError(
    coded(code, `${what} could not be created in S3: ${(error as Error).message ?? String(error)}`),
    { cause: error },
  );
}

function declaredAt(resource: ServiceResource): string {
  return `${resource.manifestPath}: ${formatKeyPath(resource.keyPath)}`;
}

/**
 * Reads every bucket declaration at load: returns the notification rules of their LambdaConfigurations (the
 * functions' own `s3` events are `LoadedServices.s3Notifications`; Lambkin's sink takes both lists), pushes a
 * warning for each property and configuration Lambkin does not reproduce, and throws a ManifestError
 * (LKN_ERR_RESOURCE_INVALID) for what CloudFormation or S3 would refuse: a bad bucket name, two declarations of one
 * bucket, a malformed NotificationConfiguration or CorsConfiguration, or a configuration that overlaps another of
 * its bucket — a function's `s3` event included ("Configurations overlap", as S3 says).
 */
export function bucketNotificationRules(
  resources: readonly ServiceResource[],
  functions: readonly FunctionDefinition[],
  warnings: ManifestWarning[],
): S3NotificationRule[] {
  const byBucket = new Map<string, S3NotificationRule[]>();
  for (const rule of s3NotificationRules(functions)) {
    byBucket.set(rule.bucket, [...(byBucket.get(rule.bucket) ?? []), rule]);
  }
  const declaredBy = new Map<string, ServiceResource>();
  const rules: S3NotificationRule[] = [];
  for (const resource of bucketResources(resources)) {
    checkName(resource, declaredBy);
    ignoredProperties(resource, warnings);
    corsRulesOf(resource);
    for (const rule of lambdaNotificationRules(resource, functions, warnings)) {
      const sameBucket = byBucket.get(rule.bucket) ?? [];
      if (sameBucket.length >= MAX_CONFIGURATIONS_PER_BUCKET)
        throw tooManyError(rule, "LKN_ERR_RESOURCE_INVALID");
      const clash = sameBucket.find((other) => overlaps(rule, other));
      if (clash) throw overlapError(rule, clash, "LKN_ERR_RESOURCE_INVALID");
      byBucket.set(rule.bucket, [...sameBucket, rule]);
      rules.push(rule);
    }
  }
  return rules;
}

/** S3's naming rules, and one declaration per bucket: CloudFormation would fail the second ("already exists"). */
function checkName(resource: ServiceResource, declaredBy: Map<string, ServiceResource>): void {
  const named = resource.properties.BucketName !== undefined;
  const path = named ? [...resource.keyPath, "Properties", "BucketName"] : resource.keyPath;
  if (!BUCKET_NAME.test(resource.name) || resource.name.includes("..")) {
    throw resourceInvalid(
      resource,
      path,
      `${JSON.stringify(resource.name)} is not a valid S3 bucket name${named ? "" : " (the name Lambkin generates from the stack and the logical id)"}`,
      "Give BucketName 3–63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
    );
  }
  const other = declaredBy.get(resource.name);
  if (other) {
    throw resourceInvalid(
      resource,
      path,
      `declares bucket ${resource.name}, which ${declaredAt(other)} declares already`,
      "Bucket names are unique: declare it once, or give one of them another BucketName",
    );
  }
  declaredBy.set(resource.name, resource);
}

function ignoredProperties(resource: ServiceResource, warnings: ManifestWarning[]): void {
  for (const key of Object.keys(resource.properties)) {
    if (REPRODUCED.has(key)) continue;
    const means = IGNORED_MEANS[key];
    warnings.push(
      manifestWarning(
        resource.manifestPath,
        [...resource.keyPath, "Properties", key],
        `not reproduced by Lambkin: the bucket is created without it${means ? ` (${means})` : ""}`,
        "LKN_WRN_RESOURCE_PROPERTY_IGNORED",
      ),
    );
  }
}
