/**
 * Creates the `AWS::DynamoDB::Table` resources services declare, at start, as a deploy would
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html): CreateTable,
 * then, once the table is ACTIVE, UpdateTimeToLive for its TimeToLiveSpecification.
 *
 * Idempotent and race-safe, since DynamoDB Local keeps its data across starts and the gateways and workers of a
 * cluster start together against one DynamoDB: CreateTable is simply tried, and a table that exists
 * (ResourceInUseException) is used as it is — its stream and TTL are switched on if the declaration asks for them
 * and they are off: they are simply asked for, and DynamoDB's refusal when they are on already (from an earlier
 * start, or another creator a moment before) is read back from DescribeTable / DescribeTimeToLive, not reported. A table whose key schema, indexes, stream view
 * type or TTL attribute differ from the declaration is kept (its items with it), with a warning saying how to start
 * afresh. A declaration DynamoDB refuses (ValidationException) stops the start with the file and key path, as a
 * failed deploy would.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
  type TimeToLiveDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import type { Logger } from "pino";
import {
  formatWarning,
  type KeyPath,
  ManifestError,
  manifestWarning,
  warningLogFields,
} from "../../runtime/manifest/manifest-error.js";
import type { ServiceResource } from "../../runtime/manifest/service-resources.js";
import {
  propertyPath,
  TABLE_DOCUMENTATION,
  TABLE_TYPE,
  type TableDeclaration,
  tableDeclaration,
} from "./table-declaration.js";

export interface DeclaredTables {
  /** Tables this call created. */
  readonly created: string[];
  /** Declared tables that were there already (kept from an earlier start, or made by a concurrent creator). */
  readonly existing: string[];
}

export async function createDeclaredTables(
  resources: readonly ServiceResource[],
  client: DynamoDBClient,
  logger: Logger,
): Promise<DeclaredTables> {
  // Every declaration is read before anything is created: a malformed one stops the start with nothing half-made.
  const tables = resources.filter((resource) => resource.type === TABLE_TYPE).map(tableDeclaration);
  for (const table of tables) {
    for (const warning of table.warnings) logger.warn(warningLogFields(warning), formatWarning(warning));
  }
  const created: string[] = [];
  const existing: string[] = [];
  for (const table of tables) {
    const outcome = await createTable(table, client, logger);
    (outcome === "created" ? created : existing).push(table.input.TableName);
  }
  if (tables.length > 0) {
    logger.info(
      `${tables.length} DynamoDB table(s) of serverless.yml ready (${created.length} created, ${existing.length} existing)`,
    );
  }
  return { created, existing };
}

/**
 * Resolves with the table's description once it and its global secondary indexes are ACTIVE (DynamoDB creates them
 * asynchronously: CREATING, then ACTIVE; https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html).
 * A table not found yet is waited for too: right after CreateTable, DescribeTable may not see it (eventual
 * consistency of the control plane).
 */
export async function waitForTableActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs = 60_000,
): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  let last = "not found";
  for (;;) {
    try {
      const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const indexes = table?.GlobalSecondaryIndexes ?? [];
      if (
        table?.TableStatus === "ACTIVE" &&
        indexes.every((index) => (index.IndexStatus ?? "ACTIVE") === "ACTIVE")
      ) {
        return table;
      }
      last = `status ${table?.TableStatus ?? "unknown"}`;
    } catch (error) {
      if (!isNamed(error, "ResourceNotFoundException")) throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(`the DynamoDB table ${tableName} is not ACTIVE after ${timeoutMs / 1000} s (${last})`);
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
}

async function createTable(
  table: TableDeclaration,
  client: DynamoDBClient,
  logger: Logger,
): Promise<"created" | "existing"> {
  const name = table.input.TableName;
  let outcome: "created" | "existing" = "created";
  try {
    await client.send(new CreateTableCommand(table.input));
    logger.debug(`created the DynamoDB table ${name}`);
  } catch (error) {
    if (!isNamed(error, "ResourceInUseException")) throw refusal(table, error);
    outcome = "existing";
  }
  const description = await waitForTableActive(client, name);
  const differences: string[] = [];
  if (outcome === "existing") {
    differences.push(...schemaDifferences(table, description));
    differences.push(...(await ensureStream(table, client)));
  }
  differences.push(...(await ensureTimeToLive(table, outcome, client)));
  if (differences.length > 0) {
    const warning = manifestWarning(
      table.resource.manifestPath,
      propertyPath(table.resource),
      `the table ${name} exists already in DynamoDB Local with ${differences.join("; ")}: Lambkin keeps it and its items as they are (start with \`lambkin dev --fresh\` to begin with empty data and the table as declared)`,
      "LKN_WRN_DYNAMODB_TABLE_MISMATCH",
    );
    logger.warn(warningLogFields(warning), formatWarning(warning));
  }
  return outcome;
}

/**
 * A declared stream on a table that has none is switched on (UpdateTable), as a stack update would. It is simply
 * asked for: DynamoDB refuses when the table has a stream already ("Table already has an enabled stream" — from an
 * earlier start, or from a concurrent creator a moment ago), and the table is then read back, so that one path
 * serves every case and no check-then-act window is left between creators.
 */
async function ensureStream(table: TableDeclaration, client: DynamoDBClient): Promise<string[]> {
  const declared = table.input.StreamSpecification?.StreamViewType;
  if (!declared) return [];
  try {
    await client.send(
      new UpdateTableCommand({
        TableName: table.input.TableName,
        StreamSpecification: { StreamEnabled: true, StreamViewType: declared },
      }),
    );
    return [];
  } catch (error) {
    const current = (await waitForTableActive(client, table.input.TableName)).StreamSpecification;
    if (current?.StreamEnabled !== true) throw refusal(table, error, ["StreamSpecification"]);
    return current.StreamViewType === declared
      ? []
      : [`a stream of view type ${current.StreamViewType} instead of the declared ${declared}`];
  }
}

/**
 * TimeToLiveSpecification → UpdateTimeToLive, asked for in the same way: DynamoDB refuses when TTL is on already
 * ("TimeToLive is already enabled", "… active on a different AttributeName"), and DescribeTimeToLive then tells
 * whether it is on as declared.
 */
async function ensureTimeToLive(
  table: TableDeclaration,
  outcome: "created" | "existing",
  client: DynamoDBClient,
): Promise<string[]> {
  const declared = table.timeToLive;
  const name = table.input.TableName;
  const describe = async (): Promise<TimeToLiveDescription | undefined> =>
    (await client.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
  if (!declared?.enabled) {
    if (outcome === "created") return [];
    const current = await describe();
    return isOn(current)
      ? [`TTL on attribute ${current?.AttributeName}, which serverless.yml does not declare`]
      : [];
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: declared.attributeName, Enabled: true },
      }),
    );
    return [];
  } catch (error) {
    const current = await describe();
    if (!isOn(current)) throw refusal(table, error, ["TimeToLiveSpecification"]);
    return current?.AttributeName === declared.attributeName
      ? []
      : [`TTL on attribute ${current?.AttributeName} instead of the declared ${declared.attributeName}`];
  }
}

function isOn(ttl: TimeToLiveDescription | undefined): boolean {
  return ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING";
}

/** What differs between the table found and the declaration, in words; empty when they agree. */
function schemaDifferences(table: TableDeclaration, found: TableDescription): string[] {
  const differences: string[] = [];
  const declaredTypes = new Map(
    (table.input.AttributeDefinitions ?? []).map((definition) => [
      definition.AttributeName,
      definition.AttributeType,
    ]),
  );
  const foundTypes = new Map(
    (found.AttributeDefinitions ?? []).map((definition) => [
      definition.AttributeName,
      definition.AttributeType,
    ]),
  );
  const keyText = (
    schema: readonly KeySchemaElement[] | undefined,
    types: Map<string | undefined, unknown>,
  ) =>
    (schema ?? [])
      .map((key) => `${key.AttributeName} (${String(types.get(key.AttributeName) ?? "?")}, ${key.KeyType})`)
      .join(", ");
  const declaredKey = keyText(table.input.KeySchema, declaredTypes);
  const foundKey = keyText(found.KeySchema, foundTypes);
  if (declaredKey !== foundKey)
    differences.push(`the key ${foundKey} instead of the declared ${declaredKey}`);
  const indexText = (
    indexes:
      | readonly { IndexName?: string | undefined; KeySchema?: KeySchemaElement[] | undefined }[]
      | undefined,
    types: Map<string | undefined, unknown>,
  ) =>
    (indexes ?? [])
      .map((index) => `${index.IndexName} [${keyText(index.KeySchema, types)}]`)
      .sort()
      .join(", ") || "none";
  for (const [kind, declared, present] of [
    ["global", table.input.GlobalSecondaryIndexes, found.GlobalSecondaryIndexes],
    ["local", table.input.LocalSecondaryIndexes, found.LocalSecondaryIndexes],
  ] as const) {
    const declaredText = indexText(declared, declaredTypes);
    const foundText = indexText(present, foundTypes);
    if (declaredText !== foundText) {
      differences.push(`the ${kind} secondary indexes ${foundText} instead of the declared ${declaredText}`);
    }
  }
  return differences;
}

/**
 * DynamoDB's ValidationException (what a deploy fails with) as an error at the file and key path; the property is
 * guessed from DynamoDB's words where they name one. Anything else (DynamoDB unreachable …) is rethrown as it is.
 */
function refusal(table: TableDeclaration, error: unknown, path?: KeyPath): unknown {
  if (!isNamed(error, "ValidationException")) return error;
  const message = (error as Error).message;
  return new ManifestError(
    table.resource.manifestPath,
    propertyPath(table.resource, path ?? propertyNamedIn(message)),
    `DynamoDB refuses the table ${table.input.TableName}: ${message}`,
    `Correct the declaration (${TABLE_TYPE}: ${TABLE_DOCUMENTATION})`,
    "LKN_ERR_RESOURCE_INVALID",
  );
}

/** DynamoDB's messages, e.g. "No provisioned throughput specified for the global secondary index". */
const PROPERTY_WORDS: readonly [RegExp, string][] = [
  [/global secondary ind/i, "GlobalSecondaryIndexes"],
  [/local secondary ind/i, "LocalSecondaryIndexes"],
  [/attribute ?definitions|attribute schema|\[B, N, S\]/i, "AttributeDefinitions"],
  [/key ?schema|hash key|range key/i, "KeySchema"],
  [/billing ?mode/i, "BillingMode"],
  [/provisioned ?throughput|capacity ?units/i, "ProvisionedThroughput"],
  [/stream/i, "StreamSpecification"],
];

function propertyNamedIn(message: string): KeyPath {
  const property = PROPERTY_WORDS.find(([words]) => words.test(message))?.[1];
  return property ? [property] : [];
}

function isNamed(error: unknown, name: string): boolean {
  return (error as { name?: unknown } | null)?.name === name;
}
