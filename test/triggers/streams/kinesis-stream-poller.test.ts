/**
 * The shared shard poller on a Kinesis stream (kinesalite) through the Kinesis StreamSource, with the real runtime
 * running the fixture's handlers: records in order per shard, a split shard's children read only after the
 * parent's last record, and a given-up batch's onFailure record with KinesisBatchInfo.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { compileFilterCriteria } from "../../../runtime/event-filtering/index.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import type { FunctionLogSink } from "../../../runtime/logs/function-log-sink.js";
import { EmbeddedJobQueue } from "../../../triggers/queue/index.js";
import { EmbeddedCheckpointStore } from "../../../triggers/streams/embedded/embedded-checkpoint-store.js";
import type { StreamFailureRecord } from "../../../triggers/streams/failure-record.js";
import { KinesisStreamSource } from "../../../triggers/streams/kinesis/kinesis-stream-source.js";
import { mappingIdOf, type StreamMapping } from "../../../triggers/streams/stream-mapping.js";
import { StreamPoller } from "../../../triggers/streams/stream-poller.js";
import { eventually } from "../../support/eventually.js";
import { type Kinesalite, startKinesalite } from "../../support/kinesalite.js";
import { freshStateDir } from "../../support/state-dir.js";

const FIXTURE = new URL("../../fixtures/streams", import.meta.url).pathname;
const CONSUMER = "streams-dev-consumer";

interface KinesisBatch {
  Records: {
    kinesis: { partitionKey: string; data: string; sequenceNumber: string };
    eventSourceARN: string;
  }[];
}

describe("the shard poller on a Kinesis stream", () => {
  const lines: string[] = [];
  const sink: FunctionLogSink = {
    line: (fn, _requestId, text) => {
      if (fn === CONSUMER && text.includes("BATCH ")) lines.push(text.slice(text.indexOf("BATCH ") + 6));
    },
  };
  let kinesalite: Kinesalite;
  let runtime: LambkinRuntime;
  let stateDir: string;
  let queue: EmbeddedJobQueue;
  const pollers: StreamPoller<unknown>[] = [];

  beforeAll(async () => {
    [kinesalite, runtime] = await Promise.all([
      startKinesalite(),
      startRuntime({ dir: FIXTURE, logger: pino({ level: "silent" }), functionLogs: sink, env: {} }),
    ]);
    stateDir = freshStateDir();
    queue = new EmbeddedJobQueue({ stateDir });
  }, 60_000);
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((poller) => poller.close()));
  });
  afterAll(async () => {
    await runtime?.close();
    await queue?.close();
    await kinesalite?.dispose();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  async function start(name: string, settings: Partial<StreamMapping["settings"]> = {}) {
    const streamArn = await kinesalite.createStream(name, 1);
    const fn = runtime.registry.resolve(CONSUMER);
    if (!fn) throw new Error("no consumer");
    const failures: StreamFailureRecord[] = [];
    const source = new KinesisStreamSource({
      client: kinesalite.client(),
      streamName: name,
      source: { streamArn, region: "us-east-1", invokeIdentityArn: "arn:aws:iam::000000000000:role/r" },
    });
    const merged = {
      enabled: true,
      batchWindowSeconds: 0,
      maximumRetryAttempts: -1,
      maximumRecordAgeSeconds: -1,
      bisectBatchOnFunctionError: false,
      parallelizationFactor: 1,
      reportBatchItemFailures: false,
      ...settings,
    };
    const poller = new StreamPoller({
      mapping: {
        id: mappingIdOf(fn, streamArn),
        function: fn,
        source: source as StreamMapping["source"],
        batchSize: 10,
        startingPosition: { type: "TRIM_HORIZON" },
        settings: merged,
        filter: compileFilterCriteria(merged.filterPatterns),
        keyPath: "test",
      },
      store: new EmbeddedCheckpointStore({ database: queue.database }),
      invocations: runtime.invoker,
      onFailure: async (_mapping, record) => {
        failures.push(record as unknown as StreamFailureRecord);
      },
      report: () => {},
      owner: `test-${randomUUID()}`,
      discoveryMs: 100,
      idlePollMs: 50,
      timing: { retryDelayMs: () => 20, throttleDelayMs: 20, now: Date.now },
    }) as StreamPoller<unknown>;
    pollers.push(poller);
    const batches = () =>
      lines
        .map((line) => JSON.parse(line) as KinesisBatch)
        .filter((batch) => batch.Records[0]?.eventSourceARN === streamArn);
    const data = () =>
      batches().flatMap((batch) =>
        batch.Records.map((record) => Buffer.from(record.kinesis.data, "base64").toString()),
      );
    return { streamArn, failures, batches, data };
  }

  it("reads a split shard's children only after its parent, keeping each key's order", async () => {
    const name = `split-${randomUUID().slice(0, 8)}`;
    const stream = await start(name);
    for (const value of ["a1", "a2", "a3"]) await kinesalite.put(name, "key", value);
    await eventually(async () => expect(stream.data()).toEqual(["a1", "a2", "a3"]));
    await kinesalite.split(name, "shardId-000000000000");
    for (const value of ["b1", "b2", "b3", "b4"]) await kinesalite.put(name, "key", value);
    await eventually(async () => expect(stream.data()).toEqual(["a1", "a2", "a3", "b1", "b2", "b3", "b4"]));
  });

  it("sends a given-up batch's KinesisBatchInfo to onFailure", async () => {
    const name = `failing-${randomUUID().slice(0, 8)}`;
    const stream = await start(name, {
      maximumRetryAttempts: 1,
      onFailure: { kind: "function", reference: "failures", keyPath: "x" },
    });
    await kinesalite.put(name, "p", "poison");
    await eventually(async () => expect(stream.failures).toHaveLength(1));
    expect(stream.failures[0]).toMatchObject({
      requestContext: { condition: "RetryAttemptsExhausted", approximateInvokeCount: 2 },
      KinesisBatchInfo: { shardId: "shardId-000000000000", batchSize: 1, streamArn: stream.streamArn },
    });
  });
});
