/**
 * What `lambkin dev` and `lambkin worker` start for SQS: the SQS store on the job queue's backend
 * (open-sqs-store.ts), the queues the services declare (declared-queues.ts), and one SqsEventSource per `sqs`
 * event (the mappings the manifest loader validated). A worker polls as dev does: every process sharing a Redis
 * receives from the same queues, and SQS's visibility timeout hands each message to one of them at a time.
 *
 * `lambkin dev`'s reload (follow()): queues declared since are created, and mappings are matched by function and
 * queue (triggers/event-source-diff.ts) — an added one starts polling, a removed one stops (its batches under way
 * finish and delete their messages first, so nothing is lost or handled twice beyond SQS's at-least-once), one
 * whose settings changed stops and starts again with them, and an unchanged one keeps its very pollers.
 */
import type { Logger } from "pino";
import { coded } from "../../../runtime/errors/lambkin-codes.js";
import type { FunctionResolver } from "../../../runtime/invocation/invocation-request.js";
import type { Invocations } from "../../../runtime/invocation/invocations.js";
import type { LoadedServices } from "../../../runtime/manifest/load-services.js";
import type { ServiceResource } from "../../../runtime/manifest/service-resources.js";
import type { SqsEventSourceMapping } from "../../../runtime/manifest/sqs-events.js";
import { diffByKey, keyed, type SourceChanges, type SourceFailure } from "../../event-source-diff.js";
import type { JobQueue } from "../../queue/interfaces/job-queue.js";
import type { SqsStore } from "../interfaces/index.js";
import { openSqsStore } from "../open-sqs-store.js";
import { createDeclaredQueues } from "./declared-queues.js";
import { SqsEventSource } from "./sqs-event-source.js";

/**
 * Lambda refuses a mapping whose queue's visibility timeout is shorter than the function's timeout
 * ("Queue visibility timeout: … is less than Function timeout: …", CreateEventSourceMapping): a message could
 * become visible, and be handled a second time, while its first invocation still runs. Lambkin polls anyway (the
 * queue may change) and says so.
 */
async function warnAboutShortVisibility(
  store: SqsStore,
  services: SqsEventSourcesSettings["services"],
  logger: Logger,
): Promise<void> {
  for (const mapping of services.sqsMappings) {
    const fn = services.functions.find((candidate) => candidate.name === mapping.functionName);
    const visibility = await store
      .getQueueAttributes(mapping.queueName)
      .then((attributes) => Number(attributes.VisibilityTimeout))
      .catch(() => undefined);
    if (fn === undefined || visibility === undefined || visibility >= fn.timeout) continue;
    const code = "LKN_WRN_SQS_VISIBILITY_TIMEOUT";
    logger.warn(
      { code, function: fn.name, queue: mapping.queueName },
      coded(
        code,
        `the queue ${mapping.queueName} has a visibility timeout of ${visibility} s, less than the ${fn.timeout} s timeout of ${fn.name}: Lambda refuses such a mapping; Lambkin polls it, and a message may be handled twice. Raise VisibilityTimeout (AWS advises six times the function timeout)`,
      ),
    );
  }
}

export interface SqsEventSourcesSettings {
  readonly services: Pick<LoadedServices, "functions" | "resources" | "sqsMappings">;
  readonly jobQueue: JobQueue;
  readonly redisUrl?: string | undefined;
  readonly prefix?: string;
  readonly invocations: Invocations;
  readonly functions: FunctionResolver;
  readonly logger: Logger;
  /** A store this process already has (SNS's, which destinations need before the pollers start); not closed here. */
  readonly store?: SqsStore;
}

export interface SqsEventSources {
  readonly store: SqsStore;
  /** Mappings polling (enabled ones). */
  readonly polling: number;
  readonly declaredQueues: number;
  /**
   * After a reload: creates the queues declared since (or changed), and starts, stops or restarts the mappings
   * that were added, removed or changed; the others keep polling untouched. Never rejects: what fails is listed.
   */
  follow(services: SqsEventSourcesSettings["services"]): Promise<SourceChanges>;
  /** Stops every poller; the batches they run finish first. */
  stopPolling(): Promise<void>;
  /** stopPolling, then the store. */
  close(): Promise<void>;
}

export async function startSqsEventSources(settings: SqsEventSourcesSettings): Promise<SqsEventSources> {
  const { services, logger } = settings;
  const region = services.functions[0]?.region ?? process.env.AWS_REGION ?? "us-east-1";
  const ownStore = settings.store === undefined;
  const store =
    settings.store ??
    (await openSqsStore({
      jobQueue: settings.jobQueue,
      region,
      ...(settings.redisUrl ? { redisUrl: settings.redisUrl } : {}),
      ...(settings.prefix === undefined ? {} : { prefix: settings.prefix }),
    }));
  let declaredQueues: number;
  try {
    declaredQueues = await createDeclaredQueues(store, services.resources, logger);
  } catch (error) {
    if (ownStore) await store.close();
    throw error;
  }
  const sourceOf = (
    mapping: SqsEventSourceMapping,
    functions: SqsEventSourcesSettings["services"]["functions"],
  ) =>
    new SqsEventSource({
      mapping,
      store,
      invocations: settings.invocations,
      functions: settings.functions,
      logger: logger.child({ component: "sqs" }),
      reservedConcurrency: functions.find((candidate) => candidate.name === mapping.functionName)
        ?.reservedConcurrency,
    });
  const running = new Map<string, { fingerprint: string; source: SqsEventSource; enabled: boolean }>();
  for (const entry of keyedMappings(services)) {
    running.set(entry.key, {
      fingerprint: entry.fingerprint,
      source: sourceOf(entry.declaration.mapping, services.functions),
      enabled: entry.declaration.mapping.enabled,
    });
  }
  let queues = new Map(keyedQueues(services.resources).map((entry) => [entry.key, entry.fingerprint]));
  await warnAboutShortVisibility(store, services, logger);
  for (const { source } of running.values()) source.start();
  let stopping: Promise<void> | undefined;
  const stopPolling = () => {
    stopping ??= Promise.all([...running.values()].map(({ source }) => source.close())).then(() => undefined);
    return stopping;
  };
  return {
    store,
    get polling() {
      return [...running.values()].filter((entry) => entry.enabled).length;
    },
    declaredQueues,
    async follow(next) {
      const failures: SourceFailure[] = [];
      // Queues first: a mapping added with its queue polls it at once (else it waits for it, and says so).
      const wantedQueues = keyedQueues(next.resources);
      const queueDiff = diffByKey(queues, wantedQueues);
      const made = new Map(queues);
      for (const key of queueDiff.removed) made.delete(key);
      const toMake = new Set([...queueDiff.added, ...queueDiff.changed]);
      // In declaration order (dead-letter queues first), whether added or changed.
      for (const entry of wantedQueues.filter((candidate) => toMake.has(candidate))) {
        try {
          await createDeclaredQueues(store, [entry.declaration], logger);
          made.set(entry.key, entry.fingerprint);
        } catch (error) {
          failures.push({ source: `queue ${entry.declaration.name}`, error });
        }
      }
      queues = made;
      const fingerprints = new Map([...running].map(([key, entry]) => [key, entry.fingerprint]));
      const diff = diffByKey(fingerprints, keyedMappings(next));
      const stoppedKeys = [...diff.removed, ...diff.changed.map((entry) => entry.key)];
      // Drained: the batches under way finish (and delete what they handled) before anything polls again.
      await Promise.all(stoppedKeys.map((key) => running.get(key)?.source.close()));
      for (const key of stoppedKeys) running.delete(key);
      if (stopping) return { added: 0, removed: diff.removed.length, restarted: 0, failures };
      const startedNow = [...diff.added, ...diff.changed];
      for (const entry of startedNow) {
        try {
          const source = sourceOf(entry.declaration.mapping, next.functions);
          source.start();
          running.set(entry.key, {
            fingerprint: entry.fingerprint,
            source,
            enabled: entry.declaration.mapping.enabled,
          });
        } catch (error) {
          failures.push({ source: entry.key, error });
        }
      }
      if (startedNow.length > 0)
        await warnAboutShortVisibility(
          store,
          { ...next, sqsMappings: startedNow.map((entry) => entry.declaration.mapping) },
          logger,
        );
      return {
        added: diff.added.length,
        removed: diff.removed.length,
        restarted: diff.changed.length,
        failures,
      };
    },
    stopPolling,
    async close() {
      await stopPolling();
      if (ownStore) await store.close();
    },
  };
}

/**
 * A mapping is its function and its queue; its settings are the rest — batch size, window, filters, enabled,
 * ReportBatchItemFailures, maximum concurrency — and the function's reserved concurrency, which bounds its pollers.
 * Where it is written (keyPath) is not a setting: an event moved in the list is the same mapping.
 */
function keyedMappings(services: SqsEventSourcesSettings["services"]) {
  const withReserved = services.sqsMappings.map((mapping) => ({
    mapping,
    reservedConcurrency: services.functions.find((fn) => fn.name === mapping.functionName)
      ?.reservedConcurrency,
  }));
  return keyed(
    withReserved,
    ({ mapping }) => `${mapping.functionName} ← sqs ${mapping.queueArn}`,
    ({ mapping, reservedConcurrency }) => {
      const { manifestPath: _file, keyPath: _where, ...settings } = mapping;
      return { ...settings, reservedConcurrency: reservedConcurrency ?? null };
    },
  );
}

/** A declared queue is its name; a changed property is set again (createDeclaredQueues does, idempotently). */
function keyedQueues(resources: readonly ServiceResource[]) {
  const declared = resources.filter((resource) => resource.type === "AWS::SQS::Queue");
  // Queues without a redrive policy first, as at start: a dead-letter queue exists before the queue naming it.
  const ordered = [
    ...declared.filter((queue) => queue.properties.RedrivePolicy === undefined),
    ...declared.filter((queue) => queue.properties.RedrivePolicy !== undefined),
  ];
  return keyed(
    ordered,
    (queue) => queue.name,
    (queue) => queue.properties,
  );
}
