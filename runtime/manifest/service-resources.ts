/**
 * The CloudFormation resources a service declares under `resources:` that Lambkin knows how to stand in for
 * (cloudformation-resources.ts: DynamoDB tables, S3 buckets, SQS queues, SNS topics), each with the physical
 * name and ARN CloudFormation would give it and its `Properties` with intrinsics computed. The services that
 * create them locally (queues, topics, tables, buckets) read this list; each validates the properties of its
 * own type and reports what it does not reproduce, with the key path given here.
 *
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html
 */
import { type IntrinsicEvaluator, isIntrinsic } from "./cloudformation-intrinsics.js";
import { RESOURCE_KINDS } from "./cloudformation-resources.js";
import { type KeyPath, ManifestError, type ManifestWarning, manifestWarning } from "./manifest-error.js";
import { isMapping, type VariableResolver } from "./variable-resolver.js";

export interface ServiceResource {
  /** The key under `Resources`, e.g. `CouponsTable`. */
  readonly logicalId: string;
  /** `AWS::SQS::Queue`, … (one of RESOURCE_KINDS). */
  readonly type: string;
  /** The physical name: the name property, or `<stack>-<LogicalId>` as Lambkin generates it. */
  readonly name: string;
  /** What `Ref` returns (a queue's URL, a topic's ARN, a table's or bucket's name). */
  readonly ref: string;
  /** `Fn::GetAtt` attributes, computed (`Arn`, `StreamArn`, `QueueUrl`, `TopicArn`, …). */
  readonly attributes: Readonly<Record<string, string>>;
  /** `Properties`, variables resolved and intrinsics computed (a value that cannot be computed stays as written). */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly service: string;
  readonly region: string;
  /** The serverless.yml it is declared in, and where: `["resources", "Resources", "CouponsTable"]`. */
  readonly manifestPath: string;
  readonly keyPath: KeyPath;
}

/** Every declared resource of a kind Lambkin knows, in declaration order; other types are left to their issue. */
export function serviceResources(
  resolver: VariableResolver,
  evaluator: IntrinsicEvaluator,
  service: string,
  region: string,
  warnings: ManifestWarning[],
): ServiceResource[] {
  const result: ServiceResource[] = [];
  const resources = resolver.shallow(["resources"]);
  const sections: KeyPath[] = Array.isArray(resources)
    ? resources.map((_, index) => ["resources", index])
    : [["resources"]];
  for (const section of sections) {
    const declared = resolver.shallow([...section, "Resources"]);
    if (!isMapping(declared)) continue;
    for (const logicalId of Object.keys(declared)) {
      const keyPath = [...section, "Resources", logicalId];
      const type = resolver.get([...keyPath, "Type"]);
      if (typeof type !== "string") continue;
      const kind = RESOURCE_KINDS[type];
      if (!kind) {
        warnings.push(resourceTypeNotCreated(resolver.file, keyPath, type));
        continue;
      }
      const name = evaluator.physicalNameOf(logicalId, keyPath);
      const written = resolver.get([...keyPath, "Properties"]);
      const properties = isMapping(written)
        ? computed(written, evaluator, [...keyPath, "Properties"], warnings, resolver.file)
        : {};
      result.push({
        logicalId,
        type,
        name,
        ref: kind.ref(name, region),
        attributes: Object.fromEntries(
          Object.entries(kind.attributes).map(([attribute, of]) => [attribute, of(name, region)]),
        ),
        properties,
        service,
        region,
        manifestPath: resolver.file,
        keyPath,
      });
    }
  }
  return result;
}

/** Each property on its own: one that cannot be computed is kept as written, with a warning naming it. */
function computed(
  properties: Record<string, unknown>,
  evaluator: IntrinsicEvaluator,
  path: KeyPath,
  warnings: ManifestWarning[],
  file: string,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (!containsIntrinsic(value)) {
      result[key] = value;
      continue;
    }
    try {
      result[key] = evaluator.evaluate(value, [...path, key]);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      warnings.push(
        manifestWarning(
          file,
          error.keyPath,
          `${error.problem}; the property keeps the value as written`,
          "LKN_WRN_MANIFEST_INTRINSIC",
        ),
      );
      result[key] = value;
    }
  }
  return result;
}

function containsIntrinsic(value: unknown): boolean {
  if (isIntrinsic(value)) return true;
  if (Array.isArray(value)) return value.some(containsIntrinsic);
  return isMapping(value) && Object.values(value).some(containsIntrinsic);
}

/** Types whose absence changes nothing a function can see locally: Lambkin enforces no IAM and keeps no log groups. */
const NOTHING_TO_CREATE = /^AWS::(IAM|Logs|Lambda|ApiGateway|ApiGatewayV2|CloudWatch|CloudFormation)::/;

function resourceTypeNotCreated(file: string, keyPath: KeyPath, type: string): ManifestWarning {
  const advice = NOTHING_TO_CREATE.test(type)
    ? "nothing to do: Lambkin enforces no IAM, keeps logs itself and makes the functions' own resources from `functions`"
    : "functions that use it need a real one: point their SDK at it with AWS_ENDPOINT_URL_<SERVICE> in Lambkin's environment";
  return manifestWarning(
    file,
    keyPath,
    `${type} is not created locally (Lambkin creates DynamoDB tables, S3 buckets, SQS queues, SNS topics and subscriptions); ${advice}`,
    "LKN_WRN_RESOURCE_TYPE_NOT_CREATED",
  );
}
