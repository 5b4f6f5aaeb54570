/**
 * What `lambkin dev` and `lambkin worker` start for SQS: the SQS store on the job queue's backend
 * (open-sqs-store.ts), the queues the services declare (declared-queues.ts), and one SqsEventSource per `sqs`
 * event (the mappings the manifest loader validated). A worker polls as dev does: every process sharing a Redis
 * receives from the same queues, and SQS's visibility timeout hands each message to one of them at a time.
 */
import type { Logger } from "pino";
import { coded } from "../../../runtime/errors/lambkin-codes.js";
import type { FunctionResolver } from "../../../runtime/invocation/invocation-request.js";
import type { Invocations } from "../../../runtime/invocation/invocations.js";
import type { LoadedServices } from "../../../runtime/manifest/load-services.js";
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
  const sources = services.sqsMappings.map((mapping) => {
    const fn = services.functions.find((candidate) => candidate.name === mapping.functionName);
    return new SqsEventSource({
      mapping,
      store,
      invocations: settings.invocations,
      functions: settings.functions,
      logger: logger.child({ component: "sqs" }),
      reservedConcurrency: fn?.reservedConcurrency,
    });
  });
  await warnAboutShortVisibility(store, services, logger);
  for (const source of sources) source.start();
  let stopping: Promise<void> | undefined;
  const stopPolling = () => {
    stopping ??= Promise.all(sources.map((source) => source.close())).then(() => undefined);
    return stopping;
  };
  return {
    store,
    polling: services.sqsMappings.filter((mapping) => mapping.enabled).length,
    declaredQueues,
    stopPolling,
    async close() {
      await stopPolling();
      if (ownStore) await store.close();
    },
  };
}
