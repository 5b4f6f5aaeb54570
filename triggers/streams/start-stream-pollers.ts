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
 *
 * `lambkin dev`'s reload (follow()): mappings are matched by function and declared stream
 * (triggers/event-source-diff.ts). An added one starts; a removed one (or one set `enabled: false`) stops — the
 * batch under way finishes and checkpoints, and its leases are given up; one whose settings changed (batchSize,
 * filters, functionResponseType, onFailure, …) stops so and starts again under the same mapping id, so it goes on
 * from its checkpoints: a changed startingPosition applies only to shards it has never read, as Lambda's
 * UpdateEventSourceMapping cannot change it either. An unchanged one keeps its very poller and its place.
 */

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import { type Destinations, destinations as functionDestinations } from "../async/destinations.js";
import { diffByKey, type Keyed, keyed, type SourceChanges } from "../event-source-diff.js";
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
  type DeclaredKinesisMapping,
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
  /**
   * After a reload: starts the mappings added, stops those removed and restarts those changed; the others keep
   * their pollers. Rejects only when the checkpoint store cannot be opened for a first mapping.
   */
  follow(functions: readonly FunctionDefinition[]): Promise<SourceChanges>;
  close(): Promise<void>;
}

type Declared =
  | { readonly kind: "dynamodb"; readonly declaration: DeclaredDynamoDbMapping }
  | { readonly kind: "kinesis"; readonly declaration: DeclaredKinesisMapping };

interface RunningMapping {
  readonly fingerprint: string;
  /** This mapping's own stop (a reload removing it), besides the whole set's. */
  readonly stop: StopSignal;
  /** Settles once the poller started, or the wait for its table ended. */
  readonly starting: Promise<void>;
  poller?: StreamPoller<unknown>;
}

/**
 * A mapping is its function and the stream as declared (the table's `!GetAtt …StreamArn`, or the Kinesis ARN); its
 * settings are the rest of its event. Where it is written (keyPath) is not a setting.
 */
function keyedDeclarations(functions: readonly FunctionDefinition[]): Keyed<Declared>[] {
  const declared: Declared[] = [
    ...declaredKinesisMappings(functions).map((declaration) => ({ kind: "kinesis" as const, declaration })),
    ...declaredDynamoDbMappings(functions).map((declaration) => ({ kind: "dynamodb" as const, declaration })),
  ];
  return keyed(
    declared,
    (entry) =>
      entry.kind === "kinesis"
        ? `${entry.declaration.kinesis.function.name} ← kinesis ${entry.declaration.kinesis.settings.streamArn}`
        : `${entry.declaration.function.name} ← dynamodb ${entry.declaration.dynamodb.stream.arn}`,
    (entry) =>
      entry.kind === "kinesis"
        ? { stream: entry.declaration.kinesis.settings, settings: entry.declaration.settings }
        : { stream: entry.declaration.dynamodb, settings: entry.declaration.settings },
  );
}

export async function startStreamPollers(settings: StreamPollerSettings): Promise<RunningStreamPollers> {
  const { logger } = settings;
  const report: StreamReporter = (entry) =>
    logger.warn({ code: entry.code }, coded(entry.code, entry.message));
  const initial = keyedDeclarations(settings.registry.all());
  // The checkpoint store opens with the first mapping (at start, or at the reload declaring one).
  let opening: Promise<CheckpointStore> | undefined;
  const storeOf = () => {
    opening ??= openCheckpointStore(settings);
    return opening;
  };
  const store = initial.length > 0 ? await storeOf() : undefined;
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const sink = destinationFailureSink(
    settings.destinations ??
      functionDestinations(settings.registry, (request) => settings.invocations.enqueue(request)),
  );
  const stop = new StopSignal();
  const running = new Map<string, RunningMapping>();
  const clients = new Map<string, DynamoDbClients>();
  const clientsFor = (region: string): DynamoDbClients => {
    let found = clients.get(region);
    if (!found) {
      found = createDynamoDbClients(region, settings.env ?? process.env);
      clients.set(region, found);
    }
    return found;
  };
  const kinesisClients = new Map<string, ReturnType<typeof createKinesisClient>>();
  const kinesisClientFor = (region: string) => {
    let client = kinesisClients.get(region);
    if (!client) {
      client = createKinesisClient({ region, env: settings.env ?? process.env });
      kinesisClients.set(region, client);
    }
    return client;
  };

  const pollerOf = (checkpoints: CheckpointStore, mapping: StreamMapping): StreamPoller<unknown> =>
    new StreamPoller({
      mapping,
      store: checkpoints,
      invocations: settings.invocations,
      onFailure: sink,
      report,
      owner,
      ...(settings.leaseMs === undefined ? {} : { leaseMs: settings.leaseMs }),
      ...(settings.discoveryMs === undefined ? {} : { discoveryMs: settings.discoveryMs }),
      ...(settings.idlePollMs === undefined ? {} : { idlePollMs: settings.idlePollMs }),
      ...(settings.timing === undefined ? {} : { timing: settings.timing }),
    });

  const startKinesis = (
    checkpoints: CheckpointStore,
    declaration: DeclaredKinesisMapping,
    entry: RunningMapping,
  ): void => {
    const { region, streamArn } = declaration.kinesis.settings;
    const fn = declaration.kinesis.function;
    entry.poller = pollerOf(checkpoints, {
      id: mappingIdOf(fn, streamArn),
      function: fn,
      source: kinesisStreamSourceOf(declaration.kinesis, kinesisClientFor(region)),
      batchSize: declaration.kinesis.settings.batchSize,
      startingPosition: declaration.kinesis.settings.startingPosition,
      settings: declaration.settings,
      filter: declaration.filter,
      keyPath: declaration.kinesis.keyPath.join("."),
    } as StreamMapping);
    logger.info(`${fn.name} reads the Kinesis stream ${streamArn}`);
  };

  const startDynamoDb = async (
    checkpoints: CheckpointStore,
    declaration: DeclaredDynamoDbMapping,
    entry: RunningMapping,
  ): Promise<void> => {
    const { stream } = declaration.dynamodb;
    const client = clientsFor(stream.region);
    const stopped = () => stop.stopped || entry.stop.stopped;
    let warned = false;
    while (!stopped()) {
      const lookup = await lookUpTableStreamArn(client.tables, stream);
      if (lookup.found) {
        if (stopped()) return;
        const source = new DynamoDbStreamSource(client.streams, {
          streamArn: lookup.streamArn,
          region: stream.region,
        });
        entry.poller = pollerOf(checkpoints, {
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
      // Either stop ends the wait at once.
      await Promise.race([
        stop.sleep(settings.tableRetryMs ?? 2_000),
        entry.stop.sleep(settings.tableRetryMs ?? 2_000),
      ]);
    }
  };

  const launch = (checkpoints: CheckpointStore, wanted: Keyed<Declared>): RunningMapping => {
    const entry: { -readonly [K in keyof RunningMapping]: RunningMapping[K] } = {
      fingerprint: wanted.fingerprint,
      stop: new StopSignal(),
      starting: Promise.resolve(),
    };
    const { declaration } = wanted;
    if (declaration.kind === "kinesis") startKinesis(checkpoints, declaration.declaration, entry);
    else entry.starting = startDynamoDb(checkpoints, declaration.declaration, entry);
    return entry;
  };

  /** Stops one mapping: its wait for a table ends, its readers finish the batch under way and checkpoint it. */
  const halt = async (entry: RunningMapping): Promise<void> => {
    entry.stop.stop();
    await entry.starting;
    await entry.poller?.close();
  };

  if (store) for (const wanted of initial) running.set(wanted.key, launch(store, wanted));
  // A reload and the close never overlap their changes: each waits for the one before.
  let following: Promise<unknown> = Promise.resolve();

  return {
    get mappings() {
      return running.size;
    },
    get pollers() {
      return [...running.values()].flatMap((entry) => (entry.poller ? [entry.poller] : []));
    },
    follow(functions) {
      const next = following.then(async (): Promise<SourceChanges> => {
        if (stop.stopped) return { added: 0, removed: 0, restarted: 0, failures: [] };
        const fingerprints = new Map([...running].map(([key, entry]) => [key, entry.fingerprint]));
        const diff = diffByKey(fingerprints, keyedDeclarations(functions));
        const halted = [...diff.removed, ...diff.changed.map((entry) => entry.key)];
        await Promise.all(halted.map((key) => running.get(key)).map((entry) => entry && halt(entry)));
        for (const key of halted) running.delete(key);
        const startedNow = [...diff.added, ...diff.changed];
        if (startedNow.length > 0 && !stop.stopped) {
          const checkpoints = await storeOf();
          if (!stop.stopped)
            for (const wanted of startedNow) running.set(wanted.key, launch(checkpoints, wanted));
        }
        return {
          added: diff.added.length,
          removed: diff.removed.length,
          restarted: diff.changed.length,
          failures: [],
        };
      });
      following = next.catch(() => undefined);
      return next;
    },
    async close() {
      stop.stop();
      await following;
      await Promise.all([...running.values()].map((entry) => halt(entry)));
      running.clear();
      for (const client of clients.values()) client.destroy();
      for (const client of kinesisClients.values()) client.destroy();
      if (opening) await (await opening.catch(() => undefined))?.close();
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
