/**
 * An `AWS::S3::Bucket`'s NotificationConfiguration
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-notificationconfig.html)
 * → the S3NotificationRules of its LambdaConfigurations
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-lambdaconfig.html):
 * `Event` (one of S3's event types), `Function` (a function's ARN, usually `!GetAtt <Fn>LambdaFunction.Arn`, computed
 * by the manifest loader), `Filter.S3Key.Rules` (at most one `prefix` and one `suffix`
 * rule, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-filterrule.html).
 *
 * What CloudFormation would refuse is a ManifestError (LKN_ERR_RESOURCE_INVALID). What it would deploy but Lambkin
 * does not deliver — Queue and Topic configurations, EventBridge, a function Lambkin has not loaded, a version or
 * alias ARN (Lambkin runs $LATEST only) — is a warning naming the key path (LKN_WRN_S3_NOTIFICATION_NOT_DELIVERED).
 */
import { isIntrinsic } from "../../runtime/manifest/cloudformation-intrinsics.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import { parseFunctionReference } from "../../runtime/manifest/function-reference.js";
import {
  describeValue,
  type KeyPath,
  type ManifestWarning,
  manifestWarning,
} from "../../runtime/manifest/manifest-error.js";
import {
  MAX_RULE_LENGTH,
  S3_EVENT_TYPES,
  type S3NotificationRule,
} from "../../runtime/manifest/s3-events.js";
import type { ServiceResource } from "../../runtime/manifest/service-resources.js";
import { isMapping } from "../../runtime/manifest/variable-resolver.js";
import { resourceInvalid as invalid } from "./resource-invalid.js";

const CONFIGURATION_KEYS = new Set([
  "LambdaConfigurations",
  "QueueConfigurations",
  "TopicConfigurations",
  "EventBridgeConfiguration",
]);
const LAMBDA_CONFIGURATION_KEYS = new Set(["Event", "Function", "Filter"]);
const NOT_DELIVERED: Readonly<Record<string, string>> = {
  QueueConfigurations: "SQS queues",
  TopicConfigurations: "SNS topics",
  EventBridgeConfiguration: "EventBridge",
};

/** The Lambda notification rules of one bucket resource; other configurations are warned. */
export function lambdaNotificationRules(
  resource: ServiceResource,
  functions: readonly FunctionDefinition[],
  warnings: ManifestWarning[],
): S3NotificationRule[] {
  const configuration = resource.properties.NotificationConfiguration;
  const path: KeyPath = [...resource.keyPath, "Properties", "NotificationConfiguration"];
  if (configuration === undefined) return [];
  if (!isMapping(configuration)) {
    throw invalid(
      resource,
      path,
      `must be a mapping of LambdaConfigurations, QueueConfigurations, TopicConfigurations, not ${describeValue(configuration)}`,
      "Write NotificationConfiguration: { LambdaConfigurations: [{ Event, Function }] }",
    );
  }
  for (const key of Object.keys(configuration)) {
    if (!CONFIGURATION_KEYS.has(key)) {
      throw invalid(
        resource,
        [...path, key],
        "is not a property of NotificationConfiguration",
        `Use ${[...CONFIGURATION_KEYS].join(", ")}`,
      );
    }
    const target = NOT_DELIVERED[key];
    if (target !== undefined) {
      warnings.push(
        manifestWarning(
          resource.manifestPath,
          [...path, key],
          `not delivered by Lambkin: its S3 does not notify ${target} yet, so these events go nowhere`,
          "LKN_WRN_S3_NOTIFICATION_NOT_DELIVERED",
        ),
      );
    }
  }
  const lambdas = configuration.LambdaConfigurations;
  if (lambdas === undefined) return [];
  if (!Array.isArray(lambdas)) {
    throw invalid(
      resource,
      [...path, "LambdaConfigurations"],
      `must be a list of { Event, Function, Filter }, not ${describeValue(lambdas)}`,
      "Write LambdaConfigurations: [{ Event: s3:ObjectCreated:*, Function: !GetAtt ThumbnailsLambdaFunction.Arn }]",
    );
  }
  const rules: S3NotificationRule[] = [];
  lambdas.forEach((entry, index) => {
    const rule = lambdaRule(
      resource,
      entry,
      [...path, "LambdaConfigurations", index],
      index,
      functions,
      warnings,
    );
    if (rule) rules.push(rule);
  });
  return rules;
}

function lambdaRule(
  resource: ServiceResource,
  entry: unknown,
  path: KeyPath,
  index: number,
  functions: readonly FunctionDefinition[],
  warnings: ManifestWarning[],
): S3NotificationRule | undefined {
  if (!isMapping(entry)) {
    throw invalid(
      resource,
      path,
      `must be { Event, Function, Filter }, not ${describeValue(entry)}`,
      "Write - Event: s3:ObjectCreated:*\n  Function: !GetAtt ThumbnailsLambdaFunction.Arn",
    );
  }
  const unknown = Object.keys(entry).find((key) => !LAMBDA_CONFIGURATION_KEYS.has(key));
  if (unknown !== undefined) {
    throw invalid(
      resource,
      [...path, unknown],
      "is not a property of a LambdaConfiguration",
      "Use Event, Function and Filter",
    );
  }
  const event = entry.Event;
  if (typeof event !== "string" || !S3_EVENT_TYPES.has(event)) {
    throw invalid(
      resource,
      [...path, "Event"],
      `${describeValue(event)} is not an S3 event type`,
      "Use one of S3's event types, e.g. s3:ObjectCreated:*, s3:ObjectCreated:Put, s3:ObjectRemoved:*",
    );
  }
  const { prefix, suffix } = keyFilter(resource, entry.Filter, [...path, "Filter"]);
  const fn = targetFunction(resource, entry.Function, [...path, "Function"], functions, warnings);
  if (!fn) return undefined;
  return {
    functionName: fn.name,
    bucket: resource.name,
    event,
    prefix,
    suffix,
    // CloudFormation makes the configuration's Id; a stable one keeps events comparable between starts.
    configurationId: `${resource.logicalId}-lambda-${index + 1}`,
    region: resource.region,
    manifestPath: resource.manifestPath,
    keyPath: path,
  };
}

/** The loaded function the ARN names; undefined (with a warning) when Lambkin cannot deliver to it. */
function targetFunction(
  resource: ServiceResource,
  arn: unknown,
  path: KeyPath,
  functions: readonly FunctionDefinition[],
  warnings: ManifestWarning[],
): FunctionDefinition | undefined {
  const notDelivered = (why: string) => {
    warnings.push(
      manifestWarning(
        resource.manifestPath,
        path,
        `${why}: Lambkin delivers none of this configuration's events`,
        "LKN_WRN_S3_NOTIFICATION_NOT_DELIVERED",
      ),
    );
    return undefined;
  };
  // An intrinsic the loader could not compute is kept as written, and the loader has said why.
  if (isIntrinsic(arn)) return notDelivered("is an intrinsic function Lambkin cannot compute");
  const reference = typeof arn === "string" ? parseFunctionReference(arn) : undefined;
  if (!reference || reference.bare) {
    throw invalid(
      resource,
      path,
      `must be a Lambda function's ARN, not ${describeValue(arn)}${typeof arn === "string" && reference?.bare ? " (!Ref of a function gives its name)" : ""}`,
      "Write Function: !GetAtt <Key>LambdaFunction.Arn (e.g. !GetAtt ThumbnailsLambdaFunction.Arn)",
    );
  }
  if (reference.qualifier !== undefined && reference.qualifier !== "$LATEST") {
    return notDelivered(`names version or alias ${reference.qualifier}, and Lambkin runs $LATEST only`);
  }
  // Account and region are not compared: Lambkin has one account, and ARNs may carry a real one.
  const fn = functions.find((candidate) => candidate.name === reference.name);
  return fn ?? notDelivered(`names the function ${reference.name}, which Lambkin has not loaded`);
}

/** `Filter: { S3Key: { Rules: [{ Name: prefix|suffix, Value }] } }` → the prefix and suffix ("" when absent). */
function keyFilter(
  resource: ServiceResource,
  filter: unknown,
  path: KeyPath,
): { prefix: string; suffix: string } {
  const result = { prefix: "", suffix: "" };
  if (filter === undefined) return result;
  const fix =
    "Write Filter: { S3Key: { Rules: [{ Name: prefix, Value: uploads/ }, { Name: suffix, Value: .jpg }] } }";
  if (!isMapping(filter) || Object.keys(filter).some((key) => key !== "S3Key")) {
    throw invalid(resource, path, `must be { S3Key: { Rules } }, not ${describeValue(filter)}`, fix);
  }
  const s3Key = filter.S3Key;
  if (s3Key === undefined) return result;
  if (!isMapping(s3Key) || Object.keys(s3Key).some((key) => key !== "Rules") || !Array.isArray(s3Key.Rules)) {
    throw invalid(resource, [...path, "S3Key"], `must be { Rules: [ … ] }, not ${describeValue(s3Key)}`, fix);
  }
  const seen = new Set<string>();
  s3Key.Rules.forEach((rule, index) => {
    const at = [...path, "S3Key", "Rules", index];
    const name = isMapping(rule) && typeof rule.Name === "string" ? rule.Name.toLowerCase() : undefined;
    const value = isMapping(rule) ? rule.Value : undefined;
    if (
      !isMapping(rule) ||
      Object.keys(rule).some((key) => key !== "Name" && key !== "Value") ||
      (name !== "prefix" && name !== "suffix") ||
      typeof value !== "string"
    ) {
      throw invalid(
        resource,
        at,
        `must be { Name: prefix | suffix, Value: text }, not ${describeValue(rule)}`,
        fix,
      );
    }
    if (seen.has(name)) {
      // S3: "Cannot specify more than one prefix rule in a filter" (and likewise suffix).
      throw invalid(
        resource,
        at,
        `is a second ${name} rule: S3 takes at most one prefix and one suffix per configuration`,
        "Keep one, or make a second LambdaConfiguration",
      );
    }
    if (value.length > MAX_RULE_LENGTH) {
      throw invalid(
        resource,
        [...at, "Value"],
        `is ${value.length} characters, over S3's ${MAX_RULE_LENGTH}`,
        "Shorten it",
      );
    }
    seen.add(name);
    result[name] = value;
  });
  return result;
}
