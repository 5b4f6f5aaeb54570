/**
 * The shared shard poller on a real DynamoDB stream (AWS's DynamoDB Local) with a real runtime running the
 * fixture's handlers (test/fixtures/streams), checkpoints in the embedded queue's real SQLite database: the event
 * shape (strict Powertools schema and AWS's example), order and batching, retries, bisection, record age, partial
 * batch failures, filters, the onFailure record, parallelization, blocking, throttles, and a restart from the
 * checkpoints. Each test has its own table, so its own stream and shards.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import {
  DynamoDBStreamChangeRecordBase,
  DynamoDBStreamRecord,
  DynamoDBStreamSchema,
} from "@aws-lambda-powertools/parser/schemas/dynamodb";
import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { compileFilterCriteria } from "../../../runtime/event-filtering/index.js";
import type { InvocationRequest } from "../../../runtime/invocation/invocation-request.js";
import type { Invocations } from "../../../runtime/invocation/invocations.js";
import type { InvokeResult } from "../../../runtime/invoker/invoker.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import type { FunctionLogSink } from "../../../runtime/logs/function-log-sink.js";
import type { StreamMappingSettings } from "../../../runtime/manifest/stream-event-settings.js";
import { EmbeddedJobQueue } from "../../../triggers/queue/index.js";
import { DynamoDbStreamSource } from "../../../triggers/streams/dynamodb/dynamodb-stream-source.js";
import { EmbeddedCheckpointStore } from "../../../triggers/streams/embedded/embedded-checkpoint-store.js";
import type { StreamFailureRecord } from "../../../triggers/streams/failure-record.js";
import { mappingIdOf, type StreamMapping } from "../../../triggers/streams/stream-mapping.js";
import { StreamPoller } from "../../../triggers/streams/stream-poller.js";
import type { StreamReport } from "../../../triggers/streams/stream-report.js";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../support/dynamodb-local.js";
import { eventually } from "../../support/eventually.js";
import { freshStateDir } from "../../support/state-dir.js";

const FIXTURE = new URL("../../fixtures/streams", import.meta.url).pathname;
const CONSUMER = "streams-dev-consumer";

interface StreamEventRecord {
  eventID: string;
  eventName: string;
  dynamodb: {
    Keys: Record<string, { S: string }>;
    NewImage?: Record<string, { S?: string; N?: string }>;
    SequenceNumber: string;
  };
  eventSourceARN: string;
}

const DEFAULTS: StreamMappingSettings = {
  enabled: true,
  batchWindowSeconds: 0,
  maximumRetryAttempts: -1,
  maximumRecordAgeSeconds: -1,
  bisectBatchOnFunctionError: false,
  parallelizationFactor: 1,
  reportBatchItemFailures: false,
};

describe("the shard poller on a DynamoDB stream", () => {
  const lines: string[] = [];
  const sink: FunctionLogSink = {
    line: (fn, _requestId, text) => {
      if (fn === CONSUMER && text.includes("BATCH ")) lines.push(text.slice(text.indexOf("BATCH ") + 6));
    },
  };
  let ddb: DynamoDbLocal;
  let tables: DynamoDBClient;
  let runtime: LambkinRuntime;
  let stateDir: string;
  let queue: EmbeddedJobQueue;
  let store: EmbeddedCheckpointStore;
  const pollers: StreamPoller<unknown>[] = [];

  beforeAll(async () => {
    [ddb, runtime] = await Promise.all([
      startDynamoDbLocal(),
      startRuntime({ dir: FIXTURE, logger: pino({ level: "silent" }), functionLogs: sink, env: {} }),
    ]);
    tables = ddb.tables();
    stateDir = freshStateDir();
    queue = new EmbeddedJobQueue({ stateDir });
    store = new EmbeddedCheckpointStore({ database: queue.database });
  }, 60_000);

  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((poller) => poller.close()));
  });

  afterAll(async () => {
    await runtime?.close();
    await queue?.close();
    await ddb?.dispose();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  interface Harness {
    readonly table: string;
    readonly streamArn: string;
    readonly mapping: StreamMapping;
    readonly failures: StreamFailureRecord[];
    readonly reports: StreamReport[];
    /** The batches the function got, in order. */
    batches(): StreamEventRecord[][];
    put(pk: string, mode?: string, extra?: Record<string, string>): Promise<void>;
    start(options?: {
      invocations?: Pick<Invocations, "run">;
      clockOffsetMs?: number;
    }): StreamPoller<unknown>;
  }

  async function harness(
    settings: Partial<StreamMappingSettings> = {},
    batchSize = 10,
    functionName = CONSUMER,
  ): Promise<Harness> {
    const table = `t-${randomUUID()}`;
    const streamArn = await ddb.createTable(table);
    const fn = runtime.registry.resolve(functionName);
    if (!fn) throw new Error(`no function ${functionName}`);
    const merged = { ...DEFAULTS, ...settings };
    const mapping: StreamMapping = {
      id: mappingIdOf(fn, streamArn),
      function: fn,
      source: new DynamoDbStreamSource(ddb.streams(), {
        streamArn,
        region: "us-east-1",
      }) as StreamMapping["source"],
      batchSize,
      startingPosition: { type: "TRIM_HORIZON" },
      settings: merged,
      filter: compileFilterCriteria(merged.filterPatterns),
      keyPath: "functions.consumer.events[0].stream",
    };
    const failures: StreamFailureRecord[] = [];
    const reports: StreamReport[] = [];
    return {
      table,
      streamArn,
      mapping,
      failures,
      reports,
      batches: () =>
        lines
          .map((line) => JSON.parse(line) as { Records: StreamEventRecord[] })
          .filter((event) => event.Records[0]?.eventSourceARN === streamArn)
          .map((event) => event.Records),
      async put(pk, mode = "ok", extra = {}) {
        const item: Record<string, { S: string }> = { pk: { S: pk }, mode: { S: mode } };
        for (const [name, value] of Object.entries(extra)) item[name] = { S: value };
        await tables.send(new PutItemCommand({ TableName: table, Item: item }));
      },
      start(options = {}) {
        const offset = options.clockOffsetMs ?? 0;
        const poller = new StreamPoller({
          mapping,
          store,
          invocations: options.invocations ?? runtime.invoker,
          onFailure: async (_mapping, record) => {
            failures.push(record as unknown as StreamFailureRecord);
          },
          report: (report) => reports.push(report),
          owner: `test-${randomUUID()}`,
          discoveryMs: 200,
          idlePollMs: 50,
          timing: { retryDelayMs: () => 20, throttleDelayMs: 20, now: () => Date.now() + offset },
        }) as StreamPoller<unknown>;
        pollers.push(poller);
        return poller;
      },
    };
  }

  const pksOf = (batches: StreamEventRecord[][]) =>
    batches.flat().map((record) => record.dynamodb.Keys.pk?.S ?? "");

  it("delivers INSERT, MODIFY and REMOVE records in DynamoDB's event shape (strict Powertools schema, AWS's example)", async () => {
    const h = await harness({}, 10);
    await h.put("item-1", "ok");
    await tables.send(
      new UpdateItemCommand({
        TableName: h.table,
        Key: { pk: { S: "item-1" } },
        UpdateExpression: "SET n = :n",
        ExpressionAttributeValues: { ":n": { N: "101" } },
      }),
    );
    await tables.send(new DeleteItemCommand({ TableName: h.table, Key: { pk: { S: "item-1" } } }));
    h.start();
    const records = await eventually(async () => {
      const all = h.batches().flat();
      expect(all).toHaveLength(3);
      return all;
    });
    const strictRecord = DynamoDBStreamRecord.extend({
      dynamodb: DynamoDBStreamChangeRecordBase.strict(),
    }).strict();
    z.object({ Records: z.array(strictRecord) })
      .strict()
      .parse({ Records: records });
    const parsed = DynamoDBStreamSchema.parse({ Records: records });
    expect(parsed.Records.map((record) => record.eventName)).toEqual(["INSERT", "MODIFY", "REMOVE"]);
    expect(parsed.Records[1]?.dynamodb.NewImage).toEqual({ pk: "item-1", mode: "ok", n: 101 });
    const [insert, modify, remove] = records as [StreamEventRecord, StreamEventRecord, StreamEventRecord];
    // AWS's example event (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html): same keys, same order.
    expect(Object.keys(insert)).toEqual([
      "eventID",
      "eventName",
      "eventVersion",
      "eventSource",
      "awsRegion",
      "dynamodb",
      "eventSourceARN",
    ]);
    expect(insert).toMatchObject({
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      eventSourceARN: h.streamArn,
      dynamodb: {
        Keys: { pk: { S: "item-1" } },
        NewImage: { pk: { S: "item-1" }, mode: { S: "ok" } },
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    });
    expect(Object.keys(insert.dynamodb).sort()).toEqual(
      [
        "ApproximateCreationDateTime",
        "Keys",
        "NewImage",
        "SequenceNumber",
        "SizeBytes",
        "StreamViewType",
      ].sort(),
    );
    const created = (insert.dynamodb as unknown as { ApproximateCreationDateTime: number })
      .ApproximateCreationDateTime;
    expect(Number.isInteger(created)).toBe(true);
    expect(Math.abs(created - Date.now() / 1000)).toBeLessThan(600);
    expect(modify.dynamodb).toHaveProperty("OldImage");
    expect(remove.dynamodb).not.toHaveProperty("NewImage");
    expect(remove.dynamodb.Keys).toEqual({ pk: { S: "item-1" } });
  });

  it("keeps the shard's order, batches up to batchSize, and delivers every record once", async () => {
    const h = await harness({}, 5);
    const pks = Array.from({ length: 23 }, (_, index) => `k${String(index).padStart(2, "0")}`);
    for (const pk of pks) await h.put(pk);
    h.start();
    await eventually(async () => expect(pksOf(h.batches())).toEqual(pks));
    for (const batch of h.batches()) expect(batch.length).toBeLessThanOrEqual(5);
    const sequence = h
      .batches()
      .flat()
      .map((record) => BigInt(record.dynamodb.SequenceNumber));
    for (let index = 1; index < sequence.length; index += 1)
      expect(sequence[index] ?? 0n).toBeGreaterThan(sequence[index - 1] ?? 0n);
  });

  it("retries a failing batch maximumRetryAttempts times, then sends the metadata-only record to onFailure and goes on", async () => {
    const h = await harness(
      { maximumRetryAttempts: 2, onFailure: { kind: "function", reference: "failures", keyPath: "x" } },
      10,
    );
    await h.put("a", "poison");
    h.start();
    await eventually(async () => expect(h.failures).toHaveLength(1));
    await h.put("b");
    await eventually(async () => expect(pksOf(h.batches())).toEqual(["a", "a", "a", "b"]));
    const [failure] = h.failures as [StreamFailureRecord];
    const [poisoned] = h.batches()[0] as [StreamEventRecord];
    expect(failure).toMatchObject({
      requestContext: {
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${CONSUMER}`,
        condition: "RetryAttemptsExhausted",
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      version: "1.0",
      DDBStreamBatchInfo: {
        shardId: expect.stringMatching(/^shardId-/),
        startSequenceNumber: poisoned.dynamodb.SequenceNumber,
        endSequenceNumber: poisoned.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        batchSize: 1,
        streamArn: h.streamArn,
      },
    });
    expect(Object.keys(failure)).toEqual([
      "requestContext",
      "responseContext",
      "version",
      "timestamp",
      "DDBStreamBatchInfo",
    ]);
    expect(new Date(failure.timestamp).toISOString()).toBe(failure.timestamp);
    expect(h.reports.map((report) => report.code)).toContain("LKN_WRN_STREAM_BATCH_DISCARDED");
  });

  it("blocks the shard behind a failing batch while retries are infinite (-1)", async () => {
    const h = await harness({ maximumRetryAttempts: -1 }, 1);
    await h.put("blocker", "poison");
    await h.put("behind");
    h.start();
    await eventually(async () => expect(h.batches().length).toBeGreaterThanOrEqual(5));
    expect(new Set(pksOf(h.batches()))).toEqual(new Set(["blocker"]));
    expect(h.failures).toEqual([]);
  });

  it("bisects a failing batch until the bad record is alone, and delivers the others", async () => {
    const h = await harness(
      {
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 0,
        onFailure: { kind: "function", reference: "failures", keyPath: "x" },
      },
      10,
    );
    for (const [pk, mode] of [
      ["r1", "ok"],
      ["r2", "ok"],
      ["r3", "poison"],
      ["r4", "ok"],
    ] as const)
      await h.put(pk, mode);
    h.start();
    await eventually(async () => expect(h.failures).toHaveLength(1));
    expect((h.failures[0] as StreamFailureRecord).DDBStreamBatchInfo).toMatchObject({ batchSize: 1 });
    // [r1 r2 r3 r4] fails → [r1 r2] succeeds → [r3 r4] fails → [r3] fails, given up → [r4] succeeds.
    // The failure record is sent before [r4] is invoked, so the last batch may still be on its way.
    await eventually(async () => {
      const batches = h.batches().map((batch) => batch.map((record) => record.dynamodb.Keys.pk?.S));
      expect(batches).toEqual([["r1", "r2", "r3", "r4"], ["r1", "r2"], ["r3", "r4"], ["r3"], ["r4"]]);
    });
    expect(h.failures).toHaveLength(1);
  });

  it("gives records older than maximumRecordAgeInSeconds up without invoking (RecordAgeExceeded)", async () => {
    const h = await harness(
      { maximumRecordAgeSeconds: 60, onFailure: { kind: "function", reference: "failures", keyPath: "x" } },
      10,
    );
    await h.put("old-1");
    await h.put("old-2");
    h.start({ clockOffsetMs: 120_000 });
    await eventually(async () => expect(h.failures).toHaveLength(1));
    const [failure] = h.failures as [StreamFailureRecord];
    expect(failure.requestContext).toMatchObject({
      condition: "RecordAgeExceeded",
      approximateInvokeCount: 0,
    });
    expect(failure).not.toHaveProperty("responseContext");
    expect(failure.DDBStreamBatchInfo).toMatchObject({ batchSize: 2 });
    expect(h.batches()).toEqual([]);
  });

  it("ReportBatchItemFailures: checkpoints before the lowest failed sequence number and retries from it", async () => {
    const h = await harness(
      {
        reportBatchItemFailures: true,
        maximumRetryAttempts: 1,
        onFailure: { kind: "function", reference: "failures", keyPath: "x" },
      },
      10,
    );
    for (const [pk, mode] of [
      ["p1", "ok"],
      ["p2", "ok"],
      ["p3", "bad"],
      ["p4", "ok"],
    ] as const)
      await h.put(pk, mode);
    h.start();
    await eventually(async () => expect(h.failures).toHaveLength(1));
    const batches = h.batches().map((batch) => batch.map((record) => record.dynamodb.Keys.pk?.S));
    expect(batches).toEqual([
      ["p1", "p2", "p3", "p4"],
      ["p3", "p4"],
    ]);
    const [failure] = h.failures as [StreamFailureRecord];
    const records = h.batches()[0] as StreamEventRecord[];
    expect(failure.DDBStreamBatchInfo).toMatchObject({
      startSequenceNumber: records[2]?.dynamodb.SequenceNumber,
      endSequenceNumber: records[3]?.dynamodb.SequenceNumber,
      batchSize: 2,
    });
    expect(failure.requestContext.approximateInvokeCount).toBe(2);
  });

  it("ReportBatchItemFailures: an empty itemIdentifier fails the whole batch", async () => {
    const h = await harness(
      {
        reportBatchItemFailures: true,
        maximumRetryAttempts: 0,
        onFailure: { kind: "function", reference: "failures", keyPath: "x" },
      },
      10,
    );
    await h.put("q1");
    await h.put("q2", "badid");
    h.start();
    await eventually(async () => expect(h.failures).toHaveLength(1));
    expect((h.failures[0] as StreamFailureRecord).DDBStreamBatchInfo).toMatchObject({ batchSize: 2 });
  });

  it("skips and checkpoints records the filterPatterns drop", async () => {
    const h = await harness(
      { filterPatterns: [{ eventName: ["INSERT"], dynamodb: { NewImage: { mode: { S: ["keep"] } } } }] },
      10,
    );
    await h.put("f1", "keep");
    await h.put("f2", "drop");
    await tables.send(new DeleteItemCommand({ TableName: h.table, Key: { pk: { S: "f1" } } }));
    h.start();
    await eventually(async () => expect(pksOf(h.batches())).toEqual(["f1"]));
    // The checkpoint passed the dropped records too: the last record of the stream (the REMOVE of f1).
    const shards = await h.mapping.source.listShards();
    const shardId = shards[0]?.shardId ?? "";
    const iterator = await h.mapping.source.iterator(shardId, { startingPosition: { type: "TRIM_HORIZON" } });
    const all = await h.mapping.source.records(iterator, 100);
    const last = h.mapping.source.sequenceNumber(all.records[all.records.length - 1]);
    await eventually(async () =>
      expect(await store.checkpoint({ mappingId: h.mapping.id, shardId })).toBe(last),
    );
  });

  it("parallelizationFactor: concurrent batches per shard, each item's changes still in order", async () => {
    const h = await harness({ parallelizationFactor: 4 }, 2);
    const expected: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      for (let key = 0; key < 6; key += 1) {
        await h.put(`key-${key}`, "ok", { round: String(round) });
        expected.push(`key-${key}/${round}`);
      }
    }
    h.start();
    const seen = () =>
      h
        .batches()
        .flat()
        .map((record) => `${record.dynamodb.Keys.pk?.S}/${record.dynamodb.NewImage?.round?.S}`);
    await eventually(async () => expect([...seen()].sort()).toEqual([...expected].sort()));
    for (let key = 0; key < 6; key += 1) {
      const rounds = seen().filter((entry) => entry.startsWith(`key-${key}/`));
      expect(rounds).toEqual([0, 1, 2, 3].map((round) => `key-${key}/${round}`));
    }
    expect(
      h.batches().every((batch) => new Set(batch.map((record) => record.dynamodb.Keys.pk?.S)).size >= 1),
    ).toBe(true);
  });

  it("backs off a throttled invocation and tries again without counting an attempt", async () => {
    const h = await harness(
      { maximumRetryAttempts: 0, onFailure: { kind: "function", reference: "failures", keyPath: "x" } },
      10,
    );
    let refusals = 0;
    // The runtime refuses the first three runs as Lambda's throttle would (TooManyRequestsException).
    const throttling: Pick<Invocations, "run"> = {
      run: (request: InvocationRequest): Promise<InvokeResult> => {
        if (refusals < 3) {
          refusals += 1;
          return Promise.reject(
            Object.assign(new Error("Rate Exceeded."), { name: "TooManyRequestsException" }),
          );
        }
        return runtime.invoker.run(request);
      },
    };
    await h.put("t1");
    h.start({ invocations: throttling });
    await eventually(async () => expect(pksOf(h.batches())).toEqual(["t1"]));
    expect(refusals).toBe(3);
    expect(h.failures).toEqual([]);
  });

  it("restarts from the checkpoints: nothing replayed after a successful batch, nothing skipped", async () => {
    const h = await harness({}, 3);
    for (const pk of ["s1", "s2", "s3", "s4", "s5"]) await h.put(pk);
    const first = h.start();
    await eventually(async () => expect(pksOf(h.batches())).toEqual(["s1", "s2", "s3", "s4", "s5"]));
    const shardId = (await h.mapping.source.listShards())[0]?.shardId ?? "";
    const lastSeen = h.batches().flat().at(-1)?.dynamodb.SequenceNumber;
    await eventually(async () =>
      expect(await store.checkpoint({ mappingId: h.mapping.id, shardId })).toBe(lastSeen),
    );
    await first.close();
    pollers.splice(pollers.indexOf(first), 1);
    for (const pk of ["s6", "s7"]) await h.put(pk);
    // A new process: the embedded queue (and its database) closed and opened again, a new store on it.
    await queue.close();
    queue = new EmbeddedJobQueue({ stateDir });
    store = new EmbeddedCheckpointStore({ database: queue.database });
    h.start();
    await eventually(async () =>
      expect(pksOf(h.batches())).toEqual(["s1", "s2", "s3", "s4", "s5", "s6", "s7"]),
    );
  });
});
