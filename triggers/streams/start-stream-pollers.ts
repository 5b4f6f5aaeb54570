/**
 * Makes the `stream` events of every loaded function fire, in `lambkin dev` and in every `lambkin worker`: one
 * StreamPoller per mapping, its checkpoints and shard leases in the JobQueue's backend — Redis when the process
 * shares one (one poller per shard across the cluster), else the embedded queue's SQLite database (`lambkin dev`
 * alone). Batches are run through the Invocations port (synchronously, as Lambda's pollers invoke); a given-up
 * batch's record goes to the mapping's onFailure destination through the asynchronous destinations port.
 *
 * Kinesis: the stream is read at AWS_ENDPOINT_URL_KINESIS (triggers/streams/kinesis/).
 * DynamoDB: the stream is read at AWS_ENDPOINT_URL_DYNAMODB. A declared table's `!GetAtt Table.StreamArn` carries
 * a fixed label; its real ARN is read with DescribeTable, and a table not there yet (created later by a script, a
 * test, the local cloud) is waited for: looked up every `tableRetryMs` (2 s), reported once
 * (LKN_WRN_STREAM_SOURCE_WAITING), polled as soon as it has a stream. Starting never blocks on it.
 */

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import { type Destinations, destinations as functionDestinations } from "../async/destinations.js";
import { EmbeddedJobQueue } from "../queue/embedded/embedded-job-queue.js";
import type { JobQueue } from "../queue/interfaces/job-queue.js";
import type { DeliveryTiming } from "./batch-delivery.js";
import { createDynamoDbClients, type DynamoDbClients } from "./dynamodb/dynamodb-clients.js";
import { DynamoDbStreamSource } from "./dynamodb/dynamodb-stream-source.js";
import { lookUpTableStreamArn } from "./dynamodb/table-stream-arn.js";
import { EmbeddedCheckpointStore } from "./embedded/embedded-checkpoint-store.js";
import type { CheckpointStore } from "./interfaces/checkpoint-store.js";
import { createKinesisClient } from "./kinesis/kinesis-client.js";
import { kinesisStreamSourceOf } from "./kinesis/kinesis-event-sources.js";
import { RedisCheckpointStore } from "./redis/redis-checkpoint-store.js";
import { StopSignal } from "./stop-signal.js";
import { destinationFailureSink } from "./stream-destinations.js";
import { mappingIdOf, type StreamMapping } from "./stream-mapping.js";
import {
  type DeclaredDynamoDbMapping,
  declaredDynamoDbMappings,
  declaredKinesisMappings,
} from "./stream-mappings.js";
import { StreamPoller } from "./stream-poller.js";
import type { StreamReporter } from "./stream-report.js";

export interface StreamPollerSettings {
  readonly registry: FunctionRegistry;
  readonly invocations: Invocations;
  /** The process's JobQueue: its backend keeps the checkpoints (its SQLite database when embedded). */
  readonly queue: JobQueue;
  readonly redisUrl?: string;
  readonly prefix?: string;
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** Shard lease duration (ms); default LAMBKIN_QUEUE_LEASE_MS's role, 30 s. */
  readonly leaseMs?: number;
  /** Where onFailure records go; default the asynchronous destinations (functions, and what that port serves). */
  readonly destinations?: Destinations;
  readonly discoveryMs?: number;
  readonly idlePollMs?: number;
  readonly tableRetryMs?: number;
  readonly timing?: DeliveryTiming;
}

export interface RunningStreamPollers {
  /** The mappings declared (enabled), polled or waiting for their table. */
  readonly mappings: number;
  /** The pollers running now (a mapping waiting for its table has none yet). */
  readonly pollers: readonly StreamPoller<unknown>[];
  close(): Promise<void>;
}

export async function startStreamPollers(settings: StreamPollerSettings): Promise<RunningStreamPollers> {
  const declared = declaredDynamoDbMappings(settings.registry.all());
  const kinesis = declaredKinesisMappings(settings.registry.all());
  if (declared.length + kinesis.length === 0) return { mappings: 0, pollers: [], close: async () => {} };
  const { logger } = settings;
  const report: StreamReporter = (entry) =>
    logger.warn({ code: entry.code }, coded(entry.code, entry.message));
  const store = await openCheckpointStore(settings);
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const sink = destinationFailureSink(
    settings.destinations ??
      functionDestinations(settings.registry, (request) => settings.invocations.enqueue(request)),
  );
  const stop = new StopSignal();
  const pollers: StreamPoller<unknown>[] = [];
  const clients = new Map<string, DynamoDbClients>();
  const clientsFor = (region: string): DynamoDbClients => {
    let found = clients.get(region);
    if (!found) {
      found = createDynamoDbClients(region, settings.env ?? process.env);
      clients.set(region, found);
    }
    return found;
  };

  const startPoller = (mapping: StreamMapping): void => {
    pollers.push(
      new StreamPoller({
        mapping,
        store,
        invocations: settings.invocations,
        onFailure: sink,
        report,
        owner,
        ...(settings.leaseMs === undefined ? {} : { leaseMs: settings.leaseMs }),
        ...(settings.discoveryMs === undefined ? {} : { discoveryMs: settings.discoveryMs }),
        ...(settings.idlePollMs === undefined ? {} : { idlePollMs: settings.idlePollMs }),
        ...(settings.timing === undefined ? {} : { timing: settings.timing }),
      }),
    );
  };
  const kinesisClients = new Map<string, ReturnType<typeof createKinesisClient>>();
  for (const declaration of kinesis) {
    const { region, streamArn } = declaration.kinesis.settings;
    let client = kinesisClients.get(region);
    if (!client) {
      client = createKinesisClient({ region, env: settings.env ?? process.env });
      kinesisClients.set(region, client);
    }
    const fn = declaration.kinesis.function;
    startPoller({
      id: mappingIdOf(fn, streamArn),
      function: fn,
      source: kinesisStreamSourceOf(declaration.kinesis, client),
      batchSize: declaration.kinesis.settings.batchSize,
      startingPosition: declaration.kinesis.settings.startingPosition,
      settings: declaration.settings,
      filter: declaration.filter,
      keyPath: declaration.kinesis.keyPath.join("."),
    } as StreamMapping);
    logger.info(`${fn.name} reads the Kinesis stream ${streamArn}`);
  }

  const startDynamoDb = async (declaration: DeclaredDynamoDbMapping): Promise<void> => {
    const { stream } = declaration.dynamodb;
    const client = clientsFor(stream.region);
    let warned = false;
    while (!stop.stopped) {
      const lookup = await lookUpTableStreamArn(client.tables, stream);
      if (lookup.found) {
        if (stop.stopped) return;
        const source = new DynamoDbStreamSource(client.streams, {
          streamArn: lookup.streamArn,
          region: stream.region,
        });
        startPoller({
          id: mappingIdOf(declaration.function, lookup.streamArn),
          function: declaration.function,
          source,
          batchSize: declaration.dynamodb.batchSize,
          startingPosition: declaration.dynamodb.startingPosition,
          settings: declaration.settings,
          filter: declaration.filter,
          keyPath: declaration.keyPath,
        } as StreamMapping);
        logger.info(`${declaration.function.name} reads the DynamoDB stream ${lookup.streamArn}`);
        return;
      }
      if (!warned) {
        warned = true;
        report({
          code: "LKN_WRN_STREAM_SOURCE_WAITING",
          message: `${declaration.function.name} (${declaration.keyPath}): ${lookup.reason}; Lambkin looks again every ${Math.round((settings.tableRetryMs ?? 2_000) / 1000)} s and polls it once it has a stream`,
        });
      }
      await stop.sleep(settings.tableRetryMs ?? 2_000);
    }
  };
  const starting = declared.map((declaration) => startDynamoDb(declaration));

  return {
    mappings: declared.length + kinesis.length,
    pollers,
    async close() {
      stop.stop();
      await Promise.all(starting);
      await Promise.all(pollers.map((poller) => poller.close()));
      for (const client of clients.values()) client.destroy();
      for (const client of kinesisClients.values()) client.destroy();
      await store.close();
    },
  };
}

async function openCheckpointStore(settings: StreamPollerSettings): Promise<CheckpointStore> {
  if (settings.redisUrl !== undefined && settings.redisUrl !== "") {
    return new RedisCheckpointStore({
      redisUrl: settings.redisUrl,
      ...(settings.prefix === undefined ? {} : { prefix: settings.prefix }),
    }).connect();
  }
  if (!(settings.queue instanceof EmbeddedJobQueue))
    throw new Error("the stream checkpoints need the embedded queue's database or a Redis (REDIS_URL)");
  return new EmbeddedCheckpointStore({ database: settings.queue.database });
}
