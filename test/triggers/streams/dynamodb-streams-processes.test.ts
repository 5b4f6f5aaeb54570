/**
 * DynamoDB stream events end to end through real Lambkin processes (compiled, as a user runs them) on AWS's
 * DynamoDB Local: a `lambkin dev` whose serverless.yml declares the table and a `stream` event on
 * `!GetAtt OrdersTable.StreamArn` — the table created by the test after Lambkin started, so Lambkin waits for it
 * and reads its real stream ARN — delivers the records in order, in the event shape, and sends a given-up batch's
 * record to the onFailure function; and two `lambkin worker`s on one Redis read the shard once between them, the
 * survivor taking it over from the checkpoint when the holder is SIGKILLed.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { DescribeTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import { type LambkinProcess, ROOT, startLambkin, stopLambkin } from "../../cli/cluster-process.js";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../support/dynamodb-local.js";
import { eventually } from "../../support/eventually.js";

const SERVICE = join(ROOT, "test", "fixtures", "streams");

interface Batch {
  readonly Records: {
    readonly eventName: string;
    readonly eventSourceARN: string;
    readonly dynamodb: {
      readonly Keys: { readonly pk: { readonly S: string } };
      readonly SequenceNumber: string;
    };
  }[];
}

/** The batches a process's function log shows (`BATCH <event>` lines of the fixture's handler). */
function batchesIn(output: string): Batch[] {
  return [...output.matchAll(/BATCH (\{.*\})\s*$/gm)].map((match) => JSON.parse(match[1] ?? "{}") as Batch);
}

function failuresIn(output: string): Record<string, unknown>[] {
  return [...output.matchAll(/FAILURE (\{.*\})\s*$/gm)].map((match) => JSON.parse(match[1] ?? "{}"));
}

const pksOf = (batches: Batch[]) =>
  batches.flatMap((batch) => batch.Records.map((record) => record.dynamodb.Keys.pk.S));

let ddb: DynamoDbLocal;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
}, 60_000);
afterAll(async () => {
  await ddb?.dispose();
});

async function put(table: string, pk: string, mode = "ok"): Promise<void> {
  await ddb
    .tables()
    .send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, mode: { S: mode } } }));
}

describe("DynamoDB streams through lambkin dev", () => {
  const table = `orders-${randomUUID().slice(0, 8)}`;
  let dev: LambkinProcess;
  beforeAll(async () => {
    dev = await startLambkin("dev", SERVICE, {
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      STREAMS_TABLE: table,
      LAMBKIN_ASYNC_RETRY_DELAYS: "0,0",
    });
  }, 60_000);
  afterAll(async () => {
    await stopLambkin(dev);
  });

  it("creates the declared table, reads its real stream, in order, and sends a given-up batch to onFailure", async () => {
    expect(dev.output()).not.toContain("accepted but not fired yet");
    // lambkin dev created the table serverless.yml declares, at AWS_ENDPOINT_URL_DYNAMODB, before it was ready.
    const described = await ddb.tables().send(new DescribeTableCommand({ TableName: table }));
    const streamArn = described.Table?.LatestStreamArn ?? "";
    expect(streamArn).toContain(table);
    expect(dev.output()).toMatch(/DynamoDB table\(s\) of serverless.yml ready \(1 created/);
    for (const pk of ["o1", "o2", "o3", "o4", "o5", "o6", "o7"]) await put(table, pk);
    await eventually(async () =>
      expect(pksOf(batchesIn(dev.output()))).toEqual(["o1", "o2", "o3", "o4", "o5", "o6", "o7"]),
    );
    const batches = batchesIn(dev.output());
    expect(batches.map((batch) => batch.Records.length).every((size) => size <= 5)).toBe(true);
    expect(batches[0]?.Records[0]).toMatchObject({ eventName: "INSERT", eventSourceARN: streamArn });
    expect(dev.output()).toContain(`reads the DynamoDB stream ${streamArn}`);

    await put(table, "o8", "poison");
    await eventually(async () => expect(failuresIn(dev.output())).toHaveLength(1), 60_000);
    const [failure] = failuresIn(dev.output());
    expect(failure).toMatchObject({
      requestContext: { condition: "RetryAttemptsExhausted", approximateInvokeCount: 2 },
      version: "1.0",
      DDBStreamBatchInfo: { batchSize: 1, streamArn },
    });
    expect(pksOf(batchesIn(dev.output())).filter((pk) => pk === "o8")).toHaveLength(2);
  }, 120_000);
});

describe("DynamoDB streams read by two lambkin workers on one Redis", () => {
  const table = `shared-${randomUUID().slice(0, 8)}`;
  let redis: RedisServer;
  let workers: LambkinProcess[] = [];
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    redis = await startRedisServer();
    await ddb.createTable(table);
    const env = {
      REDIS_URL: redis.url,
      LAMBKIN_REDIS_PREFIX: prefix,
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      STREAMS_TABLE: table,
      LAMBKIN_QUEUE_LEASE_MS: "2000",
    };
    workers = await Promise.all([startLambkin("worker", SERVICE, env), startLambkin("worker", SERVICE, env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopLambkin(worker)));
    await redis?.dispose();
  });

  it("delivers each record once between them, and the survivor takes a SIGKILLed holder's shard over", async () => {
    const first = ["w1", "w2", "w3", "w4", "w5", "w6"];
    for (const pk of first) await put(table, pk);
    const all = () => workers.flatMap((worker) => pksOf(batchesIn(worker.output())));
    await eventually(async () => expect(all()).toEqual(first));
    const holders = workers.filter((worker) => batchesIn(worker.output()).length > 0);
    expect(holders).toHaveLength(1);
    const [holder] = holders as [LambkinProcess];
    // Killed only once its last batch is checkpointed (else the survivor rightly reads that batch again).
    const lastSequence = batchesIn(holder.output()).at(-1)?.Records.at(-1)?.dynamodb.SequenceNumber;
    const probe = new Redis(redis.url);
    try {
      await eventually(async () => {
        const [key] = await probe.keys(`${prefix}:streams:cp:*`);
        expect(Object.values(await probe.hgetall(key ?? "none"))).toEqual([lastSequence]);
      });
    } finally {
      probe.disconnect();
    }
    const survivor = workers.find((worker) => worker !== holder) as LambkinProcess;
    holder.child.kill("SIGKILL");
    await holder.exited;
    const later = ["w7", "w8", "w9"];
    for (const pk of later) await put(table, pk);
    await eventually(async () => expect(pksOf(batchesIn(survivor.output()))).toEqual(later), 60_000);
    // Each record once: the holder's before the kill, the survivor's after it.
    expect([...pksOf(batchesIn(holder.output())), ...pksOf(batchesIn(survivor.output()))]).toEqual([
      ...first,
      ...later,
    ]);
  }, 120_000);
});
