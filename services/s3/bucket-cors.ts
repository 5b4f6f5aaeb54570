/**
 * An `AWS::S3::Bucket`'s CorsConfiguration
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-cors.html, rules:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-cors-corsrule.html)
 * → the CORSRules of S3's PutBucketCors (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html),
 * which s3rver applies to browsers' requests. CloudFormation's names differ from the API's (`ExposedHeaders` →
 * `ExposeHeaders`, `Id` → `ID`, `MaxAge` → `MaxAgeSeconds`); what either would refuse is LKN_ERR_RESOURCE_INVALID.
 */
import type { CORSRule } from "@aws-sdk/client-s3";
import { describeValue, type KeyPath } from "../../runtime/manifest/manifest-error.js";
import type { ServiceResource } from "../../runtime/manifest/service-resources.js";
import { isMapping } from "../../runtime/manifest/variable-resolver.js";
import { resourceInvalid } from "./resource-invalid.js";

/** S3's limit: "You can add up to 100 rules to the configuration." */
const MAX_CORS_RULES = 100;
const METHODS = new Set(["GET", "PUT", "HEAD", "POST", "DELETE"]);
const RULE_KEYS = new Set([
  "AllowedHeaders",
  "AllowedMethods",
  "AllowedOrigins",
  "ExposedHeaders",
  "Id",
  "MaxAge",
]);
const FIX = "Write CorsConfiguration: { CorsRules: [{ AllowedMethods: [GET, PUT], AllowedOrigins: ['*'] }] }";

/** The bucket's CORS rules; undefined when it declares none. */
export function corsRulesOf(resource: ServiceResource): CORSRule[] | undefined {
  const cors = resource.properties.CorsConfiguration;
  if (cors === undefined) return undefined;
  const path: KeyPath = [...resource.keyPath, "Properties", "CorsConfiguration"];
  if (!isMapping(cors) || Object.keys(cors).some((key) => key !== "CorsRules")) {
    throw resourceInvalid(resource, path, `must be { CorsRules: [ … ] }, not ${describeValue(cors)}`, FIX);
  }
  const rules = cors.CorsRules;
  if (!Array.isArray(rules) || rules.length === 0 || rules.length > MAX_CORS_RULES) {
    throw resourceInvalid(
      resource,
      [...path, "CorsRules"],
      `must be a list of 1 to ${MAX_CORS_RULES} rules, not ${Array.isArray(rules) ? `${rules.length} rules` : describeValue(rules)}`,
      FIX,
    );
  }
  return rules.map((rule, index) => corsRule(resource, rule, [...path, "CorsRules", index]));
}

function corsRule(resource: ServiceResource, rule: unknown, path: KeyPath): CORSRule {
  if (!isMapping(rule))
    throw resourceInvalid(resource, path, `must be a mapping, not ${describeValue(rule)}`, FIX);
  const unknown = Object.keys(rule).find((key) => !RULE_KEYS.has(key));
  if (unknown !== undefined) {
    throw resourceInvalid(
      resource,
      [...path, unknown],
      "is not a property of a CorsRule",
      `Use ${[...RULE_KEYS].join(", ")}`,
    );
  }
  const texts = (key: string, required: boolean): string[] | undefined => {
    const value = rule[key];
    if (value === undefined && !required) return undefined;
    if (
      !Array.isArray(value) ||
      value.some((item) => typeof item !== "string") ||
      (required && value.length === 0)
    ) {
      throw resourceInvalid(
        resource,
        [...path, key],
        `must be a list of strings, not ${describeValue(value)}`,
        FIX,
      );
    }
    return value as string[];
  };
  const methods = texts("AllowedMethods", true) as string[];
  const bad = methods.find((method) => !METHODS.has(method));
  if (bad !== undefined) {
    throw resourceInvalid(
      resource,
      [...path, "AllowedMethods"],
      `${JSON.stringify(bad)} is not a method S3's CORS takes`,
      "Use GET, PUT, HEAD, POST, DELETE",
    );
  }
  const origins = texts("AllowedOrigins", true) as string[];
  const wildcards = origins.find((origin) => origin.split("*").length > 2);
  if (wildcards !== undefined) {
    throw resourceInvalid(
      resource,
      [...path, "AllowedOrigins"],
      `${JSON.stringify(wildcards)} has more than one wildcard, which S3 refuses`,
      "Use at most one *",
    );
  }
  const id = rule.Id;
  if (id !== undefined && (typeof id !== "string" || id.length > 255)) {
    throw resourceInvalid(
      resource,
      [...path, "Id"],
      `must be text of at most 255 characters, not ${describeValue(id)}`,
      FIX,
    );
  }
  // CloudFormation takes numbers written as strings too.
  const maxAge =
    typeof rule.MaxAge === "string" && /^\d{1,9}$/.test(rule.MaxAge) ? Number(rule.MaxAge) : rule.MaxAge;
  if (maxAge !== undefined && (typeof maxAge !== "number" || !Number.isSafeInteger(maxAge) || maxAge < 0)) {
    throw resourceInvalid(
      resource,
      [...path, "MaxAge"],
      `must be a number of seconds, not ${describeValue(maxAge)}`,
      FIX,
    );
  }
  const allowedHeaders = texts("AllowedHeaders", false);
  const exposeHeaders = texts("ExposedHeaders", false);
  return {
    AllowedMethods: methods,
    AllowedOrigins: origins,
    ...(allowedHeaders ? { AllowedHeaders: allowedHeaders } : {}),
    ...(exposeHeaders ? { ExposeHeaders: exposeHeaders } : {}),
    ...(typeof id === "string" ? { ID: id } : {}),
    ...(typeof maxAge === "number" ? { MaxAgeSeconds: maxAge } : {}),
  };
}
