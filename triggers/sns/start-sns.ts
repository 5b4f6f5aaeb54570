/**
 * Composes Lambkin's SNS for a process (`lambkin dev`, `lambkin gateway`, `lambkin worker`): the topic store and
 * the SQS store on the job queue's backend, the deliveries (functions through the process's Invocations port,
 * queues into the SQS store), the SnsService the SNS API serves, the queue and topic targets of asynchronous
 * destinations and DLQs, and the topics and subscriptions serverless.yml declares, created (idempotently) at start.
 */
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import { LOCAL_ACCOUNT_ID } from "../../runtime/manifest/local-account.js";
import type { SnsDeclarations } from "../../runtime/manifest/sns-events.js";
import type { DestinationServices } from "../async/destinations.js";
import type { JobQueue } from "../queue/interfaces/job-queue.js";
import type { SqsStore } from "../sqs/interfaces/sqs-store.js";
import { openSqsStore } from "../sqs/open-sqs-store.js";
import { isSnsError } from "./interfaces/sns-errors.js";
import type { SnsStore } from "./interfaces/sns-store.js";
import { parseTopicArn } from "./interfaces/topic-model.js";
import { openSnsStore } from "./open-sns-store.js";
import { deliveries } from "./sns-deliveries.js";
import { SnsService } from "./sns-service.js";

export interface StartSnsOptions {
  readonly queue: JobQueue;
  readonly redisUrl: string | undefined;
  readonly prefix: string;
  readonly registry: FunctionRegistry;
  /** What serverless.yml declares (LoadedServices#sns); none: only what the API creates. */
  readonly declarations?: Omit<SnsDeclarations, "warnings">;
  /** The region of topics the API creates (default the functions' region, else us-east-1). */
  readonly region?: string;
  readonly logger: Logger;
  /** The SQS store this process already has (its SQS API's); else one is opened on the same backend. */
  readonly sqs?: SqsStore;
}

export interface SnsRuntime {
  readonly service: SnsService;
  readonly store: SnsStore;
  readonly sqs: SqsStore;
  /** What asynchronous destinations and DLQs deliver to (startAsyncInvocations' destinationServices). */
  readonly destinationServices: DestinationServices;
  /** The Invocations port functions are invoked through, once the process has it. */
  bindInvocations(invocations: Invocations): void;
  /** Lambkin's URL as clients reach it (UnsubscribeUrl), once the gateway listens. */
  setEndpointUrl(url: string): void;
  /** Creates the declared topics and subscriptions; rejects (LKN_ERR_SNS_TOPICS_INVALID) on a bad one. */
  declare(): Promise<{ topics: number; subscriptions: number }>;
  close(): Promise<void>;
}

export async function startSns(options: StartSnsOptions): Promise<SnsRuntime> {
  const region = options.region ?? options.registry.all()[0]?.region ?? "us-east-1";
  const log = options.logger.child({ component: "sns" });
  const settings = { jobQueue: options.queue, redisUrl: options.redisUrl, prefix: options.prefix };
  const store = await openSnsStore(settings);
  const ownSqs = options.sqs === undefined;
  const sqs =
    options.sqs ??
    (await openSqsStore({ ...settings, region }).catch(async (error: unknown) => {
      await store.close();
      throw error;
    }));
  let invocations: Invocations | undefined;
  let endpointUrl = "http://localhost";
  const service = new SnsService({
    store,
    deliveries: deliveries({ registry: options.registry, invocations: () => invocations, sqs, logger: log }),
    region,
    account: LOCAL_ACCOUNT_ID,
    endpointUrl: () => endpointUrl,
    logger: log,
  });
  return {
    service,
    store,
    sqs,
    destinationServices: { sqs, topics: service },
    bindInvocations(bound) {
      invocations = bound;
    },
    setEndpointUrl(url) {
      endpointUrl = url;
    },
    async declare() {
      const made = await declareAll(service, options.declarations);
      if (made.topics > 0) {
        log.info(
          `${made.topics} SNS topic(s) and ${made.subscriptions} subscription(s) of serverless.yml ready`,
        );
      }
      return made;
    },
    async close() {
      await store.close();
      if (ownSqs) await sqs.close();
    },
  };
}

async function declareAll(
  service: SnsService,
  declarations: Omit<SnsDeclarations, "warnings"> | undefined,
): Promise<{ topics: number; subscriptions: number }> {
  if (!declarations) return { topics: 0, subscriptions: 0 };
  const invalid = (where: string, error: unknown): Error => {
    if (!isSnsError(error) || error.kind === "InternalError") return error as Error;
    return new Error(coded("LKN_ERR_SNS_TOPICS_INVALID", `${where}: ${error.message}`), { cause: error });
  };
  // One topic may be named by several events (and a resource): their attributes together.
  const topics = new Map<string, { name: string; attributes: Record<string, string>; where: string }>();
  for (const topic of declarations.topics) {
    const seen = topics.get(topic.arn);
    const where = `${topic.manifestPath}: ${topic.keyPath}`;
    topics.set(topic.arn, {
      name: topic.name,
      attributes: { ...seen?.attributes, ...topic.attributes },
      where,
    });
  }
  for (const [arn, topic] of topics) {
    const parsed = parseTopicArn(arn);
    try {
      await service.declareTopic(topic.name, topic.attributes, parsed?.region, parsed?.account);
    } catch (error) {
      throw invalid(topic.where, error);
    }
  }
  for (const subscription of declarations.subscriptions) {
    const where = `${subscription.manifestPath}: ${subscription.keyPath}`;
    try {
      const made = await service.subscribe(
        subscription.topicArn,
        subscription.protocol,
        subscription.endpoint,
      );
      // serverless.yml is the truth for its subscriptions: a filter policy changed since the last start applies.
      await service.setSubscriptionAttributes(made.arn, subscription.attributes);
    } catch (error) {
      throw invalid(where, error);
    }
  }
  return { topics: topics.size, subscriptions: declarations.subscriptions.length };
}
