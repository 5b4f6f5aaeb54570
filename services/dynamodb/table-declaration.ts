/**
 * An `AWS::DynamoDB::Table` of serverless.yml → what to ask DynamoDB for: the CreateTable request and the
 * UpdateTimeToLive that follows it, as CloudFormation makes them
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html; the property names
 * are CreateTable's, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html). Pure.
 *
 * - The table's name is the resource's physical name (TableName, or `<stack>-<LogicalId>` when absent).
 * - StreamSpecification has only StreamViewType in CloudFormation; CreateTable's StreamEnabled is implied.
 * - Integers and booleans may be written as strings ("5", "true"), as CloudFormation accepts them.
 * - What Lambkin cannot reproduce but changes nothing a function sees (encryption, backups, tags …), and properties
 *   it does not know, are LKN_WRN_RESOURCE_PROPERTY_IGNORED warnings at their key path.
 * - A property of the wrong shape (a KeySchema that is not a list …) is LKN_ERR_RESOURCE_INVALID at its key path.
 *   What is merely missing or inconsistent (no KeySchema, a key attribute not in AttributeDefinitions) is left to
 *   DynamoDB, whose ValidationException is what a deploy would fail with (declared-tables.ts).
 */
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  KeySchemaElement,
  LocalSecondaryIndex,
  OnDemandThroughput,
  Projection,
  ProvisionedThroughput,
} from "@aws-sdk/client-dynamodb";
import {
  describeValue,
  type KeyPath,
  ManifestError,
  type ManifestWarning,
  manifestWarning,
} from "../../runtime/manifest/manifest-error.js";
import type { ServiceResource } from "../../runtime/manifest/service-resources.js";

export const TABLE_TYPE = "AWS::DynamoDB::Table";
export const TABLE_DOCUMENTATION =
  "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html";

export interface TimeToLiveDeclaration {
  readonly attributeName: string | undefined;
  readonly enabled: boolean;
}

export interface TableDeclaration {
  readonly resource: ServiceResource;
  readonly input: CreateTableCommandInput & { readonly TableName: string };
  /** TimeToLiveSpecification, applied with UpdateTimeToLive once the table is ACTIVE. */
  readonly timeToLive: TimeToLiveDeclaration | undefined;
  readonly warnings: readonly ManifestWarning[];
}

/**
 * Properties that change nothing a function can observe locally, with what Lambkin does instead; the predicate tells
 * a value that asks for nothing (`DeletionProtectionEnabled: false`), which needs no warning.
 */
interface IgnoredProperty {
  readonly reason: string;
  readonly asksNothing?: (value: unknown) => boolean;
}

const IGNORED = {
  SSESpecification: {
    reason:
      "encryption at rest is not reproduced: DynamoDB Local keeps the table unencrypted in the state folder",
    asksNothing: (value) => isFalse(field(value, "SSEEnabled")),
  },
  PointInTimeRecoverySpecification: {
    reason: "point-in-time recovery is not reproduced: there are no continuous backups locally",
    asksNothing: (value) => isFalse(field(value, "PointInTimeRecoveryEnabled")),
  },
  Tags: { reason: "tags are not kept" },
  DeletionProtectionEnabled: {
    reason: "deletion protection is not reproduced: DeleteTable succeeds locally",
    asksNothing: isFalse,
  },
  TableClass: {
    reason: "the table class changes only AWS's storage pricing",
    asksNothing: (value) => value === "STANDARD",
  },
  ContributorInsightsSpecification: {
    reason: "CloudWatch Contributor Insights is not reproduced",
    asksNothing: (value) => isFalse(field(value, "Enabled")),
  },
  KinesisStreamSpecification: {
    reason:
      "item changes are not copied to a Kinesis data stream locally (the DynamoDB stream of StreamSpecification is reproduced)",
  },
  ResourcePolicy: { reason: "the resource policy is not enforced: every local request may use the table" },
  ImportSourceSpecification: { reason: "nothing is imported from S3: the table starts empty" },
  WarmThroughput: { reason: "warm throughput changes only AWS's capacity" },
} satisfies Record<string, IgnoredProperty>;

export function tableDeclaration(resource: ServiceResource): TableDeclaration {
  const reader = new PropertyReader(resource);
  const properties = reader.mapping(resource.properties, [], {
    known: [
      "TableName",
      "KeySchema",
      "AttributeDefinitions",
      "BillingMode",
      "ProvisionedThroughput",
      "OnDemandThroughput",
      "GlobalSecondaryIndexes",
      "LocalSecondaryIndexes",
      "StreamSpecification",
      "TimeToLiveSpecification",
    ],
    ignored: IGNORED,
  });
  const stream = reader.optionalMapping(properties.StreamSpecification, ["StreamSpecification"], {
    known: ["StreamViewType"],
    ignored: { ResourcePolicy: IGNORED.ResourcePolicy },
  });
  const input: CreateTableCommandInput & { TableName: string } = {
    TableName: resource.name,
    KeySchema: reader.keySchema(properties.KeySchema, ["KeySchema"]),
    AttributeDefinitions: reader.optionalList(
      properties.AttributeDefinitions,
      ["AttributeDefinitions"],
      (value, path) => {
        const definition = reader.mapping(value, path, { known: ["AttributeName", "AttributeType"] });
        return {
          AttributeName: reader.string(definition.AttributeName, [...path, "AttributeName"]),
          AttributeType: reader.string(definition.AttributeType, [...path, "AttributeType"]),
        } as AttributeDefinition;
      },
    ),
    BillingMode: reader.string(properties.BillingMode, [
      "BillingMode",
    ]) as CreateTableCommandInput["BillingMode"],
    ProvisionedThroughput: reader.provisionedThroughput(properties.ProvisionedThroughput, [
      "ProvisionedThroughput",
    ]),
    OnDemandThroughput: reader.onDemandThroughput(properties.OnDemandThroughput, ["OnDemandThroughput"]),
    GlobalSecondaryIndexes: reader.optionalList(
      properties.GlobalSecondaryIndexes,
      ["GlobalSecondaryIndexes"],
      (value, path) => {
        const index = reader.mapping(value, path, {
          known: ["IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput"],
          ignored: {
            ContributorInsightsSpecification: IGNORED.ContributorInsightsSpecification,
            WarmThroughput: IGNORED.WarmThroughput,
          },
        });
        return {
          IndexName: reader.string(index.IndexName, [...path, "IndexName"]),
          KeySchema: reader.keySchema(index.KeySchema, [...path, "KeySchema"]),
          Projection: reader.projection(index.Projection, [...path, "Projection"]),
          ProvisionedThroughput: reader.provisionedThroughput(index.ProvisionedThroughput, [
            ...path,
            "ProvisionedThroughput",
          ]),
          OnDemandThroughput: reader.onDemandThroughput(index.OnDemandThroughput, [
            ...path,
            "OnDemandThroughput",
          ]),
        } as GlobalSecondaryIndex;
      },
    ),
    LocalSecondaryIndexes: reader.optionalList(
      properties.LocalSecondaryIndexes,
      ["LocalSecondaryIndexes"],
      (value, path) => {
        const index = reader.mapping(value, path, { known: ["IndexName", "KeySchema", "Projection"] });
        return {
          IndexName: reader.string(index.IndexName, [...path, "IndexName"]),
          KeySchema: reader.keySchema(index.KeySchema, [...path, "KeySchema"]),
          Projection: reader.projection(index.Projection, [...path, "Projection"]),
        } as LocalSecondaryIndex;
      },
    ),
    ...(stream
      ? {
          StreamSpecification: {
            StreamEnabled: true,
            StreamViewType: reader.string(stream.StreamViewType, ["StreamSpecification", "StreamViewType"]) as
              | "NEW_IMAGE"
              | undefined,
          },
        }
      : {}),
  };
  const ttl = reader.optionalMapping(properties.TimeToLiveSpecification, ["TimeToLiveSpecification"], {
    known: ["AttributeName", "Enabled"],
  });
  const timeToLive = ttl
    ? {
        attributeName: reader.string(ttl.AttributeName, ["TimeToLiveSpecification", "AttributeName"]),
        enabled: reader.boolean(ttl.Enabled, ["TimeToLiveSpecification", "Enabled"]) ?? false,
      }
    : undefined;
  return { resource, input: withoutUndefined(input), timeToLive, warnings: reader.warnings };
}

/** The key path of a property of the resource: `resources.Resources.<LogicalId>.Properties.<path>`. */
export function propertyPath(resource: ServiceResource, path: KeyPath = []): KeyPath {
  return [...resource.keyPath, "Properties", ...path];
}

interface MappingShape {
  readonly known: readonly string[];
  readonly ignored?: Readonly<Record<string, IgnoredProperty>>;
}

class PropertyReader {
  readonly warnings: ManifestWarning[] = [];

  constructor(private readonly resource: ServiceResource) {}

  private invalid(path: KeyPath, problem: string): ManifestError {
    return new ManifestError(
      this.resource.manifestPath,
      propertyPath(this.resource, path),
      problem,
      `See ${TABLE_DOCUMENTATION}`,
      "LKN_ERR_RESOURCE_INVALID",
    );
  }

  mapping(value: unknown, path: KeyPath, shape: MappingShape): Record<string, unknown> {
    if (!isRecord(value)) throw this.invalid(path, `must be a mapping, not ${describeValue(value)}`);
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      const ignored = shape.ignored?.[key];
      if (ignored) {
        if (!ignored.asksNothing?.(entry)) {
          this.warn([...path, key], `${ignored.reason}; the table is created without it`);
        }
      } else if (shape.known.includes(key)) {
        result[key] = entry;
      } else {
        this.warn(
          [...path, key],
          `is not a property Lambkin knows for ${TABLE_TYPE} (CloudFormation refuses unknown properties); it is ignored`,
        );
      }
    }
    return result;
  }

  optionalMapping(value: unknown, path: KeyPath, shape: MappingShape): Record<string, unknown> | undefined {
    return value === undefined || value === null ? undefined : this.mapping(value, path, shape);
  }

  optionalList<T>(
    value: unknown,
    path: KeyPath,
    item: (value: unknown, path: KeyPath) => T,
  ): T[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw this.invalid(path, `must be a list, not ${describeValue(value)}`);
    return value.map((entry, index) => item(entry, [...path, index]));
  }

  string(value: unknown, path: KeyPath): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw this.invalid(path, `must be a string, not ${describeValue(value)}`);
    return value;
  }

  integer(value: unknown, path: KeyPath): number | undefined {
    if (value === undefined || value === null) return undefined;
    const number = typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== "number" || !Number.isInteger(number)) {
      throw this.invalid(path, `must be an integer, not ${describeValue(value)}`);
    }
    return number;
  }

  boolean(value: unknown, path: KeyPath): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    throw this.invalid(path, `must be true or false, not ${describeValue(value)}`);
  }

  keySchema(value: unknown, path: KeyPath): KeySchemaElement[] | undefined {
    return this.optionalList(value, path, (entry, at) => {
      const element = this.mapping(entry, at, { known: ["AttributeName", "KeyType"] });
      return {
        AttributeName: this.string(element.AttributeName, [...at, "AttributeName"]),
        KeyType: this.string(element.KeyType, [...at, "KeyType"]),
      } as KeySchemaElement;
    });
  }

  projection(value: unknown, path: KeyPath): Projection | undefined {
    const projection = this.optionalMapping(value, path, { known: ["ProjectionType", "NonKeyAttributes"] });
    if (!projection) return undefined;
    return withoutUndefined({
      ProjectionType: this.string(projection.ProjectionType, [...path, "ProjectionType"]),
      NonKeyAttributes: this.optionalList(
        projection.NonKeyAttributes,
        [...path, "NonKeyAttributes"],
        (name, at) => this.string(name, at),
      ),
    }) as Projection;
  }

  provisionedThroughput(value: unknown, path: KeyPath): ProvisionedThroughput | undefined {
    const throughput = this.optionalMapping(value, path, {
      known: ["ReadCapacityUnits", "WriteCapacityUnits"],
    });
    if (!throughput) return undefined;
    return withoutUndefined({
      ReadCapacityUnits: this.integer(throughput.ReadCapacityUnits, [...path, "ReadCapacityUnits"]),
      WriteCapacityUnits: this.integer(throughput.WriteCapacityUnits, [...path, "WriteCapacityUnits"]),
    }) as ProvisionedThroughput;
  }

  onDemandThroughput(value: unknown, path: KeyPath): OnDemandThroughput | undefined {
    const throughput = this.optionalMapping(value, path, {
      known: ["MaxReadRequestUnits", "MaxWriteRequestUnits"],
    });
    if (!throughput) return undefined;
    return withoutUndefined({
      MaxReadRequestUnits: this.integer(throughput.MaxReadRequestUnits, [...path, "MaxReadRequestUnits"]),
      MaxWriteRequestUnits: this.integer(throughput.MaxWriteRequestUnits, [...path, "MaxWriteRequestUnits"]),
    });
  }

  private warn(path: KeyPath, message: string): void {
    this.warnings.push(
      manifestWarning(
        this.resource.manifestPath,
        propertyPath(this.resource, path),
        message,
        "LKN_WRN_RESOURCE_PROPERTY_IGNORED",
      ),
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function field(value: unknown, name: string): unknown {
  return isRecord(value) ? value[name] : undefined;
}

function isFalse(value: unknown): boolean {
  return value === false || value === "false";
}

/** Drops the members left undefined (and, one level down, in lists of mappings), so that requests stay minimal. */
function withoutUndefined<T extends object>(value: T): T {
  const result: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined) continue;
    result[key] = Array.isArray(entry)
      ? entry.map((item) => (isRecord(item) ? withoutUndefined(item) : item))
      : entry;
  }
  return result as T;
}
