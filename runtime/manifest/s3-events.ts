/**
 * A function's `s3` events, as the Serverless Framework deploys them
 * (https://www.serverless.com/framework/docs/providers/aws/events/s3): `- s3: photos`, or
 * `- s3: { bucket, event, rules: [{ prefix }, { suffix }], existing, forceDeploy }`, each one S3 bucket
 * notification configuration with a Lambda target. Validated as S3's PutBucketNotificationConfiguration does:
 * known event types (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html),
 * at most one prefix and one suffix rule of at most 1024 characters
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_FilterRule.html), and no two configurations of one bucket
 * that overlap — sharing an event type and a key that both prefix/suffix pairs would match — which S3 refuses
 * with "Configurations overlap"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html). Lambkin checks
 * the overlap across every function and service it loads, since they share one local account.
 */
import type { FunctionDefinition } from "./function-definition.js";
import {
  describeValue,
  formatKeyPath,
  type KeyPath,
  ManifestError,
  type ManifestErrorCode,
} from "./manifest-error.js";
import { isMapping } from "./variable-resolver.js";

export interface S3NotificationRule {
  /** The function S3 invokes (its Lambda name). */
  readonly functionName: string;
  readonly bucket: string;
  /** Event types with the `s3:` prefix, e.g. `s3:ObjectCreated:*`. */
  readonly event: string;
  readonly prefix: string;
  readonly suffix: string;
  /** The notification configuration's Id, which the event carries as `s3.configurationId`. */
  readonly configurationId: string;
  readonly region: string;
  readonly manifestPath: string;
  readonly keyPath: KeyPath;
}

/**
 * Every event type a notification configuration can name, with the wildcards that group them (S3's `Event`
 * type, https://docs.aws.amazon.com/AmazonS3/latest/API/API_LambdaFunctionConfiguration.html). `s3:TestEvent` is
 * what S3 sends when a configuration is saved, not a type one can subscribe to.
 */
export const S3_EVENT_TYPES: ReadonlySet<string> = new Set([
  "s3:ObjectCreated:*",
  "s3:ObjectCreated:Put",
  "s3:ObjectCreated:Post",
  "s3:ObjectCreated:Copy",
  "s3:ObjectCreated:CompleteMultipartUpload",
  "s3:ObjectRemoved:*",
  "s3:ObjectRemoved:Delete",
  "s3:ObjectRemoved:DeleteMarkerCreated",
  "s3:ObjectRestore:*",
  "s3:ObjectRestore:Post",
  "s3:ObjectRestore:Completed",
  "s3:ObjectRestore:Delete",
  "s3:ReducedRedundancyLostObject",
  "s3:Replication:*",
  "s3:Replication:OperationFailedReplication",
  "s3:Replication:OperationMissedThreshold",
  "s3:Replication:OperationReplicatedAfterThreshold",
  "s3:Replication:OperationNotTracked",
  "s3:LifecycleExpiration:*",
  "s3:LifecycleExpiration:Delete",
  "s3:LifecycleExpiration:DeleteMarkerCreated",
  "s3:LifecycleTransition",
  "s3:IntelligentTiering",
  "s3:ObjectTagging:*",
  "s3:ObjectTagging:Put",
  "s3:ObjectTagging:Delete",
  "s3:ObjectAcl:Put",
]);

const DEFAULT_EVENT = "s3:ObjectCreated:*";
/**
 * Lambkin's own bound, not S3's (which documents none): the overlap check compares each configuration with the
 * others of its bucket, so a hostile manifest of a hundred thousand configurations must not cost 10^10 comparisons.
 */
export const MAX_CONFIGURATIONS_PER_BUCKET = 200;
/** S3's FilterRule value limit. */
export const MAX_RULE_LENGTH = 1024;
const KNOWN_KEYS = new Set(["bucket", "event", "rules", "existing", "forceDeploy"]);
/** Bucket names: 3–63 characters, lowercase letters, digits, dots and hyphens (S3's naming rules). */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The notification rules of every function's `s3` events; throws ManifestError for a bad one or an overlap. */
export function s3NotificationRules(functions: readonly FunctionDefinition[]): S3NotificationRule[] {
  const rules: S3NotificationRule[] = [];
  // Overlaps are only possible within a bucket; the cap per bucket keeps the pairwise check small.
  const byBucket = new Map<string, S3NotificationRule[]>();
  for (const fn of functions) {
    fn.events.forEach((entry, index) => {
      if (!Object.hasOwn(entry, "s3")) return;
      const rule = parseS3Event(fn, entry.s3, ["functions", fn.key, "events", index, "s3"], index);
      const sameBucket = byBucket.get(rule.bucket) ?? [];
      if (sameBucket.length >= MAX_CONFIGURATIONS_PER_BUCKET) throw tooManyError(rule);
      const clash = sameBucket.find((other) => overlaps(rule, other));
      if (clash) throw overlapError(rule, clash);
      sameBucket.push(rule);
      byBucket.set(rule.bucket, sameBucket);
      rules.push(rule);
    });
  }
  return rules;
}

/** The error for one configuration too many on a bucket (`code`: the family of what declared it). */
export function tooManyError(
  rule: S3NotificationRule,
  code: ManifestErrorCode = "LKN_ERR_MANIFEST_EVENT",
): ManifestError {
  return new ManifestError(
    rule.manifestPath,
    rule.keyPath,
    `is configuration ${MAX_CONFIGURATIONS_PER_BUCKET + 1} of bucket ${rule.bucket}: Lambkin takes at most ${MAX_CONFIGURATIONS_PER_BUCKET} s3 events per bucket, across all services`,
    "Merge configurations (one event type with a shorter prefix), or split the objects over more buckets",
    code,
  );
}

function parseS3Event(
  fn: FunctionDefinition,
  written: unknown,
  path: KeyPath,
  index: number,
): S3NotificationRule {
  const file = fn.manifestPath;
  const settings = typeof written === "string" ? { bucket: written } : written;
  if (!isMapping(settings)) {
    throw new ManifestError(
      file,
      path,
      `must be a bucket name or { bucket, event, rules }, not ${describeValue(written)}`,
      "Write e.g. - s3: { bucket: photos, event: s3:ObjectCreated:*, rules: [{ prefix: uploads/ }] }",
      "LKN_ERR_MANIFEST_EVENT",
    );
  }
  const unknown = Object.keys(settings).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) {
    throw new ManifestError(
      file,
      [...path, unknown[0] as string],
      "is not a setting of s3 events",
      `Use ${[...KNOWN_KEYS].join(", ")}`,
      "LKN_ERR_MANIFEST_EVENT",
    );
  }
  const bucket = settings.bucket;
  if (typeof bucket !== "string" || !BUCKET_NAME.test(bucket)) {
    throw new ManifestError(
      file,
      [...path, "bucket"],
      bucketProblem(bucket),
      "Name the bucket (3–63 lowercase letters, digits, dots, hyphens), or write !Ref to a bucket resource",
      "LKN_ERR_MANIFEST_EVENT",
    );
  }
  const event = settings.event ?? DEFAULT_EVENT;
  if (typeof event !== "string" || !S3_EVENT_TYPES.has(event)) {
    throw new ManifestError(
      file,
      [...path, "event"],
      `${describeValue(event)} is not an S3 event type`,
      "Use one of S3's event types, e.g. s3:ObjectCreated:*, s3:ObjectCreated:Put, s3:ObjectRemoved:*",
      "LKN_ERR_MANIFEST_EVENT",
    );
  }
  const { prefix, suffix } = keyRules(settings.rules, file, [...path, "rules"]);
  for (const flag of ["existing", "forceDeploy"] as const) {
    const value = settings[flag];
    if (value !== undefined && typeof value !== "boolean") {
      throw new ManifestError(
        file,
        [...path, flag],
        `must be true or false, not ${describeValue(value)}`,
        `Write ${flag}: true`,
        "LKN_ERR_MANIFEST_EVENT",
      );
    }
  }
  return {
    functionName: fn.name,
    bucket,
    event,
    prefix,
    suffix,
    // The Framework leaves the Id to CloudFormation; a stable one keeps events comparable between starts.
    configurationId: `${fn.name}-s3-${index + 1}`,
    region: fn.region,
    manifestPath: file,
    keyPath: path,
  };
}

/** Why `bucket` is not a bucket name, in the terms the user wrote it in. */
function bucketProblem(bucket: unknown): string {
  if (bucket === undefined) return "is missing";
  // A reference the loader could not resolve is still the mapping it was written as.
  if (isMapping(bucket) && typeof bucket.Ref === "string")
    return `!Ref ${bucket.Ref} names no resource declared under resources.Resources`;
  if (typeof bucket === "string" && bucket.startsWith("arn:aws:s3:::"))
    return `is a bucket ARN (${bucket}); the Serverless Framework takes the bucket's name here`;
  return `${describeValue(bucket)} is not a valid S3 bucket name`;
}

function keyRules(rules: unknown, file: string, path: KeyPath): { prefix: string; suffix: string } {
  const result = { prefix: "", suffix: "" };
  if (rules === undefined || rules === null) return result;
  if (!Array.isArray(rules)) {
    throw new ManifestError(
      file,
      path,
      `must be a list of { prefix } and { suffix } rules, not ${describeValue(rules)}`,
      "Write rules: [{ prefix: uploads/ }, { suffix: .jpg }]",
      "LKN_ERR_MANIFEST_EVENT",
    );
  }
  const seen = new Set<string>();
  rules.forEach((rule, index) => {
    const [name, ...others] = isMapping(rule) ? Object.keys(rule) : [];
    const value = isMapping(rule) && name !== undefined ? rule[name] : undefined;
    if ((name !== "prefix" && name !== "suffix") || others.length > 0 || typeof value !== "string") {
      throw new ManifestError(
        file,
        [...path, index],
        `must be one { prefix: text } or { suffix: text }, not ${describeValue(rule)}`,
        "Write - prefix: uploads/ or - suffix: .jpg",
        "LKN_ERR_MANIFEST_EVENT",
      );
    }
    if (seen.has(name)) {
      // S3: "Cannot specify more than one prefix rule in a filter" (and likewise suffix).
      throw new ManifestError(
        file,
        [...path, index],
        `is a second ${name} rule: S3 takes at most one prefix and one suffix per configuration`,
        "Keep one, or make a second s3 event",
        "LKN_ERR_MANIFEST_EVENT",
      );
    }
    if (value.length > MAX_RULE_LENGTH) {
      throw new ManifestError(
        file,
        [...path, index, name],
        `is ${value.length} characters, over S3's ${MAX_RULE_LENGTH}`,
        "Shorten it",
        "LKN_ERR_MANIFEST_EVENT",
      );
    }
    seen.add(name);
    result[name] = value;
  });
  return result;
}

/** Whether a record's event name (`ObjectCreated:Put`, with or without `s3:`) is one the rule's event covers. */
export function eventMatches(ruleEvent: string, eventName: string): boolean {
  const name = eventName.startsWith("s3:") ? eventName : `s3:${eventName}`;
  if (ruleEvent.endsWith(":*")) return name.startsWith(ruleEvent.slice(0, -1));
  return name === ruleEvent;
}

/** S3 refuses two configurations of one bucket that share an event type and could match the same key. */
export function overlaps(a: S3NotificationRule, b: S3NotificationRule): boolean {
  if (a.bucket !== b.bucket) return false;
  const shareEvent = eventMatches(a.event, b.event.slice(3)) || eventMatches(b.event, a.event.slice(3));
  const prefixesOverlap = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  const suffixesOverlap = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
  return shareEvent && prefixesOverlap && suffixesOverlap;
}

/** The error for a configuration that overlaps another (`code`: the family of what declared `rule`). */
export function overlapError(
  rule: S3NotificationRule,
  other: S3NotificationRule,
  code: ManifestErrorCode = "LKN_ERR_MANIFEST_EVENT",
): ManifestError {
  const where = other.manifestPath === rule.manifestPath ? "" : ` in ${other.manifestPath}`;
  return new ManifestError(
    rule.manifestPath,
    rule.keyPath,
    `overlaps ${formatKeyPath(other.keyPath)}${where} on bucket ${rule.bucket}: both would receive ${rule.event} for the same keys, which S3 refuses ("Configurations overlap. Configurations on the same bucket cannot share a common event type.")`,
    "Give one of them another event type, or prefix/suffix rules that cannot match the same key",
    code,
  );
}
