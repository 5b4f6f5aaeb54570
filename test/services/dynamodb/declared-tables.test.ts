/**
 * createDeclaredTables against the real DynamoDB Local, with the AWS::DynamoDB::Table resources of fixture
 * serverless.yml files read by the real manifest loader (test/fixtures/dynamodb-tables/): indexes, stream and TTL as
 * declared (DescribeTable / DescribeTimeToLive), idempotent, race-safe between concurrent creators, an existing table
 * kept and completed (stream, TTL) or reported when it differs, the properties Lambkin ignores named at their key
 * path, and invalid declarations refused with the file and key path. Every test has its own table names
 * (${env:TABLE_PREFIX}) in one DynamoDB Local.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { type Logger, pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadServices } from "../../../runtime/manifest/load-services.js";
import { ManifestError } from "../../../runtime/manifest/manifest-error.js";
import type { ServiceResource } from "../../../runtime/manifest/service-resources.js";
import { createDeclaredTables, waitForTableActive } from "../../../services/dynamodb/declared-tables.js";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../../services/dynamodb/dynamodb-local.js";
import { tableDeclaration } from "../../../services/dynamodb/table-declaration.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "dynamodb-tables");
const dataDir = mkdtempSync(join(tmpdir(), "lambkin-declared-tables-"));
let local: DynamoDbLocal;
const clients: DynamoDBClient[] = [];

function newClient(): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: local.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "lambkin", secretAccessKey: "lambkin" },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  local = await startDynamoDbLocal({
    dataDir,
    host: "127.0.0.1",
    port: 0,
    logger: pino({ level: "silent" }),
  });
}, 120_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await local?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

let tests = 0;
function uniquePrefix(): string {
  tests += 1;
  return `t${process.pid}-${tests}`;
}

async function declared(fixture: string, prefix: string): Promise<ServiceResource[]> {
  const loaded = await loadServices(join(FIXTURES, fixture), { env: { TABLE_PREFIX: prefix } });
  return loaded.resources;
}

interface LogEntry {
  readonly level: number;
  readonly msg: string;
  readonly code?: string;
  readonly file?: string;
  readonly keyPath?: string;
}

function capturingLogger(): { logger: Logger; warnings(): LogEntry[] } {
  const entries: LogEntry[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) entries.push(JSON.parse(line) as LogEntry);
      done();
    },
  });
  return {
    logger: pino({ level: "debug" }, sink),
    warnings: () => entries.filter((entry) => entry.level === 40),
  };
}

async function describeTable(client: DynamoDBClient, name: string) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  if (!Table) throw new Error(`no description of ${name}`);
  return Table;
}

async function ttlOf(client: DynamoDBClient, name: string) {
  return (await client.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
}

function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("createDeclaredTables", () => {
  it("creates each table with its key schema, indexes, billing, stream and TTL", async () => {
    const prefix = uniquePrefix();
    const client = newClient();
    const result = await createDeclaredTables(
      await declared("shop", prefix),
      client,
      capturingLogger().logger,
    );
    expect(result).toEqual({ created: [`${prefix}-coupons`, `${prefix}-orders`], existing: [] });

    const coupons = await describeTable(client, `${prefix}-coupons`);
    expect(coupons.TableStatus).toBe("ACTIVE");
    expect(coupons.KeySchema).toEqual([
      { AttributeName: "shop", KeyType: "HASH" },
      { AttributeName: "code", KeyType: "RANGE" },
    ]);
    expect(coupons.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: "shop", AttributeType: "S" },
        { AttributeName: "code", AttributeType: "S" },
        { AttributeName: "owner", AttributeType: "S" },
        { AttributeName: "expiresAt", AttributeType: "N" },
      ]),
    );
    expect(coupons.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(coupons.GlobalSecondaryIndexes).toHaveLength(1);
    expect(coupons.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: "byOwner",
      KeySchema: [{ AttributeName: "owner", KeyType: "HASH" }],
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["discount"] },
      IndexStatus: "ACTIVE",
    });
    expect(coupons.LocalSecondaryIndexes).toHaveLength(1);
    expect(coupons.LocalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: "byExpiry",
      KeySchema: [
        { AttributeName: "shop", KeyType: "HASH" },
        { AttributeName: "expiresAt", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "KEYS_ONLY" },
    });
    expect(coupons.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    });
    expect(coupons.LatestStreamArn).toContain(`table/${prefix}-coupons/stream/`);
    expect(await ttlOf(client, `${prefix}-coupons`)).toEqual({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "ttl",
    });

    const orders = await describeTable(client, `${prefix}-orders`);
    expect(orders.KeySchema).toEqual([{ AttributeName: "id", KeyType: "HASH" }]);
    expect(orders.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 2, WriteCapacityUnits: 3 });
    expect(orders.BillingModeSummary?.BillingMode ?? "PROVISIONED").toBe("PROVISIONED");
    expect(orders.StreamSpecification?.StreamEnabled ?? false).toBe(false);
    expect((await ttlOf(client, `${prefix}-orders`))?.TimeToLiveStatus).toBe("DISABLED");
  });

  it("warns, at the file and key path, about each property Lambkin does not reproduce", async () => {
    const prefix = uniquePrefix();
    const { logger, warnings } = capturingLogger();
    await createDeclaredTables(await declared("shop", prefix), newClient(), logger);
    const ignored = warnings().filter((entry) => entry.code === "LKN_WRN_RESOURCE_PROPERTY_IGNORED");
    const file = join(FIXTURES, "shop", "serverless.yml");
    expect(ignored.map((entry) => entry.keyPath).sort()).toEqual(
      [
        "resources.Resources.OrdersTable.Properties.PointInTimeRecoverySpecification",
        "resources.Resources.OrdersTable.Properties.SSESpecification",
        "resources.Resources.OrdersTable.Properties.TableClass",
        "resources.Resources.OrdersTable.Properties.Tags",
      ].sort(),
    );
    for (const entry of ignored) {
      expect(entry.file).toBe(file);
      expect(entry.msg).toMatch(
        new RegExp(
          `^\\[LKN_WRN_RESOURCE_PROPERTY_IGNORED\\] ${file}: resources\\.Resources\\.OrdersTable\\.Properties\\.`,
        ),
      );
    }
    expect(ignored.find((entry) => entry.keyPath?.endsWith("SSESpecification"))?.msg).toContain("encryption");
    // DeletionProtectionEnabled: false asks for nothing Lambkin would have to reproduce.
    expect(warnings().some((entry) => entry.keyPath?.endsWith("DeletionProtectionEnabled"))).toBe(false);
  });

  it("is idempotent: a second run finds every table, keeps its items, and changes nothing", async () => {
    const prefix = uniquePrefix();
    const client = newClient();
    const resources = await declared("shop", prefix);
    await createDeclaredTables(resources, client, capturingLogger().logger);
    await client.send(
      new PutItemCommand({
        TableName: `${prefix}-coupons`,
        Item: { shop: { S: "s1" }, code: { S: "WELCOME" }, owner: { S: "ada" }, expiresAt: { N: "1" } },
      }),
    );
    const before = await describeTable(client, `${prefix}-coupons`);
    const { logger, warnings } = capturingLogger();
    const again = await createDeclaredTables(resources, client, logger);
    expect(again).toEqual({ created: [], existing: [`${prefix}-coupons`, `${prefix}-orders`] });
    expect(warnings().filter((entry) => entry.code === "LKN_WRN_DYNAMODB_TABLE_MISMATCH")).toEqual([]);
    const after = await describeTable(client, `${prefix}-coupons`);
    expect(after.LatestStreamArn).toBe(before.LatestStreamArn);
    expect(after.CreationDateTime).toEqual(before.CreationDateTime);
    expect(await ttlOf(client, `${prefix}-coupons`)).toEqual({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "ttl",
    });
    expect((await client.send(new ScanCommand({ TableName: `${prefix}-coupons` }))).Count).toBe(1);
  });

  it("is race-safe: creators at once (gateways and workers) make each table once, and all succeed", async () => {
    const prefix = uniquePrefix();
    const resources = await declared("shop", prefix);
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => createDeclaredTables(resources, newClient(), capturingLogger().logger)),
    );
    for (const table of [`${prefix}-coupons`, `${prefix}-orders`]) {
      expect(results.filter((result) => result.created.includes(table))).toHaveLength(1);
      expect(results.filter((result) => result.existing.includes(table))).toHaveLength(3);
    }
    const client = newClient();
    expect((await describeTable(client, `${prefix}-coupons`)).StreamSpecification?.StreamEnabled).toBe(true);
    expect(await ttlOf(client, `${prefix}-coupons`)).toEqual({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "ttl",
    });
  });

  it("switches on the declared stream and TTL of a table that exists without them", async () => {
    const prefix = uniquePrefix();
    const client = newClient();
    const resources = await declared("shop", prefix);
    const coupons = resources.find((resource) => resource.logicalId === "CouponsTable") as ServiceResource;
    // As an earlier start (or a script) left it: same keys and indexes, no stream, no TTL.
    const { StreamSpecification: _stream, ...withoutStream } = tableDeclaration(coupons).input;
    await client.send(new CreateTableCommand(withoutStream));
    expect(
      (await describeTable(client, `${prefix}-coupons`)).StreamSpecification?.StreamEnabled ?? false,
    ).toBe(false);

    const { logger, warnings } = capturingLogger();
    const result = await createDeclaredTables([coupons], client, logger);
    expect(result).toEqual({ created: [], existing: [`${prefix}-coupons`] });
    const table = await describeTable(client, `${prefix}-coupons`);
    expect(table.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
    expect(table.LatestStreamArn).toBeDefined();
    expect(await ttlOf(client, `${prefix}-coupons`)).toEqual({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "ttl",
    });
    expect(warnings()).toEqual([]);
  });

  it("keeps an existing table that differs from the declaration, and says what differs and what to do", async () => {
    const prefix = uniquePrefix();
    const client = newClient();
    await createDeclaredTables(await declared("shop", prefix), client, capturingLogger().logger);
    const { logger, warnings } = capturingLogger();
    const result = await createDeclaredTables(await declared("changed", prefix), client, logger);
    expect(result).toEqual({ created: [], existing: [`${prefix}-coupons`] });
    const mismatches = warnings().filter((entry) => entry.code === "LKN_WRN_DYNAMODB_TABLE_MISMATCH");
    expect(mismatches).toHaveLength(1);
    const [warning] = mismatches as [LogEntry];
    expect(warning.file).toBe(join(FIXTURES, "changed", "serverless.yml"));
    expect(warning.keyPath).toBe("resources.Resources.CouponsTable.Properties");
    expect(warning.msg).toContain("lambkin dev --fresh");
    expect(warning.msg).toContain(
      "the key shop (S, HASH), code (S, RANGE) instead of the declared shop (S, HASH), issuedAt (N, RANGE)",
    );
    expect(warning.msg).toContain("local secondary indexes byExpiry");
    expect(warning.msg).toContain("view type NEW_AND_OLD_IMAGES instead of the declared KEYS_ONLY");
    expect(warning.msg).toContain("TTL on attribute ttl instead of the declared expires");
    const table = await describeTable(client, `${prefix}-coupons`);
    expect(table.KeySchema?.[1]?.AttributeName).toBe("code");
  });

  it("refuses a table without KeySchema with DynamoDB's ValidationException, at the file and key path", async () => {
    const prefix = uniquePrefix();
    const error = await rejection(
      createDeclaredTables(
        await declared("missing-key-schema", prefix),
        newClient(),
        capturingLogger().logger,
      ),
    );
    expect(error).toBeInstanceOf(ManifestError);
    const refused = error as ManifestError;
    expect(refused.code).toBe("LKN_ERR_RESOURCE_INVALID");
    expect(refused.file).toBe(join(FIXTURES, "missing-key-schema", "serverless.yml"));
    expect(refused.keyPath).toBe("resources.Resources.NoKeyTable.Properties.KeySchema");
    expect(refused.message).toContain(`DynamoDB refuses the table ${prefix}-nokey`);
    expect(refused.message).toMatch(/key schema/i);
  });

  it("refuses a key attribute that AttributeDefinitions does not define", async () => {
    const prefix = uniquePrefix();
    const error = (await rejection(
      createDeclaredTables(
        await declared("undefined-key-attribute", prefix),
        newClient(),
        capturingLogger().logger,
      ),
    )) as ManifestError;
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.code).toBe("LKN_ERR_RESOURCE_INVALID");
    expect(error.keyPath).toBe("resources.Resources.HalfDefinedTable.Properties.AttributeDefinitions");
    expect(error.message).toContain("Attribute Definitions");
  });

  it("refuses a malformed property before creating anything", async () => {
    const prefix = uniquePrefix();
    const client = newClient();
    const error = (await rejection(
      createDeclaredTables(await declared("malformed", prefix), client, capturingLogger().logger),
    )) as ManifestError;
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.code).toBe("LKN_ERR_RESOURCE_INVALID");
    expect(error.keyPath).toBe("resources.Resources.MappingKeyTable.Properties.KeySchema");
    expect(error.message).toContain("must be a list, not a mapping");
    const { TableNames } = await client.send(new ListTablesCommand({}));
    expect(TableNames?.filter((name) => name.startsWith(`${prefix}-`))).toEqual([]);
  });
});

describe("waitForTableActive", () => {
  it("answers an ACTIVE table's description, and gives up on a table that never appears", async () => {
    const prefix = uniquePrefix();
    const client = newClient();
    await createDeclaredTables(await declared("shop", prefix), client, capturingLogger().logger);
    expect((await waitForTableActive(client, `${prefix}-orders`)).TableStatus).toBe("ACTIVE");
    await expect(waitForTableActive(client, `${prefix}-never`, 500)).rejects.toThrow(
      `the DynamoDB table ${prefix}-never is not ACTIVE after 0.5 s (not found)`,
    );
  });
});
