/**
 * DynamoDB Streams record → handler latency, p50: an item is put into a table of AWS's DynamoDB Local, Lambkin's
 * shard poller reads its stream record and runs the function (bench/fixtures/echo, in a process sandbox) — the
 * latency is from PutItem's start to the end of that invocation — divided by DynamoDB Local's own GetRecords
 * round trip (p50, same server, same run): what one poll of the stream costs.
 * Two polling rates: Lambkin's default (an empty shard polled every 250 ms, Lambda's 4 times a second) and a
 * fast one (every 10 ms), which shows what is the poll interval and what is the rest of the path. Each record is
 * put after a random pause (0–300 ms), so that arrivals fall anywhere in the poll interval, as in real traffic.
 *   node dist/bench/stream-bench.js        (BENCH_STREAM_RECORDS=40)
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetRecordsCommand, GetShardIteratorCommand } from "@aws-sdk/client-dynamodb-streams";
import { pino } from "pino";
import { compileFilterCriteria } from "../runtime/event-filtering/index.js";
import type { InvocationRequest } from "../runtime/invocation/invocation-request.js";
import { startRuntime } from "../runtime/lambkin-runtime.js";
import { silentFunctionLogSink } from "../runtime/logs/function-log-sink.js";
import { EmbeddedJobQueue } from "../triggers/queue/embedded/embedded-job-queue.js";
import { DynamoDbStreamSource } from "../triggers/streams/dynamodb/dynamodb-stream-source.js";
import { EmbeddedCheckpointStore } from "../triggers/streams/embedded/embedded-checkpoint-store.js";
import { mappingIdOf, type StreamMapping } from "../triggers/streams/stream-mapping.js";
import { StreamPoller } from "../triggers/streams/stream-poller.js";
import { startDynamoDbLocal } from "./dynamodb-local.js";
import { median, ms, ratio } from "./stats.js";

const RECORDS = Number(process.env.BENCH_STREAM_RECORDS ?? 40);
const ROUND_TRIPS = 200;
const PACKAGE_ROOT = join(import.meta.dirname, "..", "..");
const SERVICE = join(PACKAGE_ROOT, "bench", "fixtures", "echo");

async function main(): Promise<void> {
  const ddb = await startDynamoDbLocal();
  const runtime = await startRuntime({
    dir: SERVICE,
    logger: pino({ level: "silent" }),
    functionLogs: silentFunctionLogSink,
    env: {},
  });
  const stateDir = mkdtempSync(join(tmpdir(), "lambkin-stream-bench-"));
  const queue = new EmbeddedJobQueue({ stateDir });
  const store = new EmbeddedCheckpointStore({ database: queue.database });
  const tables = ddb.tables();
  const streams = ddb.streams();
  const fn = runtime.registry.resolve("bench-dev-echo");
  if (!fn) throw new Error("no bench-dev-echo function");
  try {
    // Baseline: GetRecords on the stream of a table holding one record.
    const baselineTable = `bench-${randomUUID().slice(0, 8)}`;
    const baselineArn = await ddb.createTable(baselineTable);
    await tables.send(new PutItemCommand({ TableName: baselineTable, Item: { pk: { S: "x" } } }));
    const baselineSource = new DynamoDbStreamSource(streams, { streamArn: baselineArn, region: ddb.region });
    const [shard] = await baselineSource.listShards();
    const roundTrips: number[] = [];
    for (let index = 0; index < ROUND_TRIPS; index += 1) {
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: baselineArn,
          ShardId: shard?.shardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      );
      const started = performance.now();
      await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 1 }));
      roundTrips.push(performance.now() - started);
    }
    const getRecords = median(roundTrips);

    const measure = async (idlePollMs: number): Promise<number> => {
      const table = `bench-${randomUUID().slice(0, 8)}`;
      const streamArn = await ddb.createTable(table);
      const delivered = new Map<string, number>();
      let wake: (() => void) | undefined;
      const mapping: StreamMapping = {
        id: mappingIdOf(fn, streamArn),
        function: fn,
        source: new DynamoDbStreamSource(streams, {
          streamArn,
          region: ddb.region,
        }) as StreamMapping["source"],
        batchSize: 10,
        startingPosition: { type: "TRIM_HORIZON" },
        settings: {
          enabled: true,
          batchWindowSeconds: 0,
          maximumRetryAttempts: -1,
          maximumRecordAgeSeconds: -1,
          bisectBatchOnFunctionError: false,
          parallelizationFactor: 1,
          reportBatchItemFailures: false,
        },
        filter: compileFilterCriteria(undefined),
        keyPath: "bench",
      };
      const poller = new StreamPoller({
        mapping,
        store,
        invocations: {
          run: async (request: InvocationRequest) => {
            const result = await runtime.invoker.run(request);
            const event = JSON.parse(request.payload.toString()) as {
              Records: { dynamodb: { Keys: { pk: { S: string } } } }[];
            };
            const now = performance.now();
            for (const record of event.Records) delivered.set(record.dynamodb.Keys.pk.S, now);
            wake?.();
            return result;
          },
        },
        report: () => {},
        owner: `bench-${randomUUID()}`,
        idlePollMs,
        discoveryMs: 100,
      });
      const latencies: number[] = [];
      try {
        for (let index = -3; index < RECORDS; index += 1) {
          const pk = `r${index}`;
          // Records arrive at random times, not right after the previous delivery (which would always land just
          // after an empty poll and so measure the whole poll interval).
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
          const started = performance.now();
          const arrived = new Promise<void>((resolve) => {
            wake = () => delivered.has(pk) && resolve();
          });
          await tables.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk } } }));
          await arrived;
          if (index >= 0) latencies.push((delivered.get(pk) ?? started) - started); // the first 3 warm up
        }
      } finally {
        await poller.close();
      }
      return median(latencies);
    };
    const atDefault = await measure(250);
    const atFast = await measure(10);
    console.log(`DynamoDB Local GetRecords round trip p50: ${ms(getRecords)} (${ROUND_TRIPS} calls)`);
    console.log(
      `record → handler done p50, empty shard polled every 250 ms (default): ${ms(atDefault)} = ${ratio(atDefault, getRecords)} GetRecords`,
    );
    console.log(
      `record → handler done p50, empty shard polled every 10 ms:            ${ms(atFast)} = ${ratio(atFast, getRecords)} GetRecords`,
    );
  } finally {
    await runtime.close();
    await queue.close();
    await ddb.dispose();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

await main();
