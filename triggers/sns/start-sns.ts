/**
 * Composes Lambkin's SNS for a process (`lambkin dev`, `lambkin gateway`, `lambkin worker`): the topic store and
 * the SQS store on the job queue's backend, the deliveries (functions through the process's Invocations port,
 * queues into the SQS store), the SnsService the SNS API serves, the queue and topic targets of asynchronous
 * destinations and DLQs, and the topics and subscriptions serverless.yml declares, created (idempotently) at start.
 *
 * `lambkin dev`'s reload (follow()): topics declared since are created and subscriptions matched by topic,
 * protocol and endpoint (triggers/event-source-diff.ts) — an added one is subscribed, one whose attributes
 * (filter policy, raw delivery) changed gets them set, a removed one is unsubscribed (it receives nothing more).
 * A topic no longer declared is kept, with its subscriptions made through the API: `serverless deploy` would
 * delete it, Lambkin keeps what it holds.
 */
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import { LOCAL_ACCOUNT_ID } from "../../runtime/manifest/local-account.js";
import type {
  SnsDeclarations,
  SnsSubscriptionDeclaration,
  SnsTopicDeclaration,
} from "../../runtime/manifest/sns-events.js";
import type { DestinationServices } from "../async/destinations.js";
import { diffByKey, keyed, type SourceChanges, type SourceFailure } from "../event-source-diff.js";
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
  /**
   * After a reload: declares the topics and subscriptions serverless.yml declares now, and unsubscribes those it
   * no longer declares. Never rejects: what fails is listed.
   */
  follow(declarations: Omit<SnsDeclarations, "warnings">): Promise<SourceChanges>;
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
  // What serverless.yml declared last (fingerprints by key): what a reload compares against.
  let topicsDeclared = new Map<string, string>();
  let subscriptionsDeclared = new Map<
    string,
    { fingerprint: string; declaration: SnsSubscriptionDeclaration }
  >();
  const remember = (declarations: Omit<SnsDeclarations, "warnings"> | undefined) => {
    topicsDeclared = new Map(keyedTopics(declarations).map((entry) => [entry.key, entry.fingerprint]));
    subscriptionsDeclared = new Map(
      keyedSubscriptions(declarations).map((entry) => [
        entry.key,
        { fingerprint: entry.fingerprint, declaration: entry.declaration },
      ]),
    );
  };
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
      remember(options.declarations);
      if (made.topics > 0) {
        log.info(
          `${made.topics} SNS topic(s) and ${made.subscriptions} subscription(s) of serverless.yml ready`,
        );
      }
      return made;
    },
    async follow(declarations) {
      const failures: SourceFailure[] = [];
      const topics = keyedTopics(declarations);
      const topicDiff = diffByKey(topicsDeclared, topics);
      const topicsNow = new Map(topicsDeclared);
      for (const key of topicDiff.removed) topicsNow.delete(key); // kept in the store: see the header
      for (const entry of [...topicDiff.added, ...topicDiff.changed]) {
        try {
          await declareTopic(service, entry.declaration);
          topicsNow.set(entry.key, entry.fingerprint);
        } catch (error) {
          failures.push({ source: `topic ${entry.declaration.name}`, error });
        }
      }
      topicsDeclared = topicsNow;
      const subscriptions = keyedSubscriptions(declarations);
      const fingerprints = new Map(
        [...subscriptionsDeclared].map(([key, entry]) => [key, entry.fingerprint]),
      );
      const diff = diffByKey(fingerprints, subscriptions);
      const subscriptionsNow = new Map(subscriptionsDeclared);
      for (const key of diff.removed) {
        const gone = subscriptionsDeclared.get(key)?.declaration;
        if (gone === undefined) continue;
        try {
          const stored = await store.subscriptionsOf(gone.topicArn);
          for (const subscription of stored)
            if (subscription.protocol === gone.protocol && subscription.endpoint === gone.endpoint)
              await service.unsubscribe(subscription.arn);
          subscriptionsNow.delete(key);
        } catch (error) {
          failures.push({ source: key, error });
        }
      }
      for (const entry of [...diff.added, ...diff.changed]) {
        try {
          await declareSubscription(service, entry.declaration);
          subscriptionsNow.set(entry.key, { fingerprint: entry.fingerprint, declaration: entry.declaration });
        } catch (error) {
          failures.push({ source: entry.key, error });
        }
      }
      subscriptionsDeclared = subscriptionsNow;
      return {
        added: topicDiff.added.length + diff.added.length,
        removed: diff.removed.length,
        restarted: topicDiff.changed.length + diff.changed.length,
        failures,
      };
    },
    async close() {
      await store.close();
      if (ownSqs) await sqs.close();
    },
  };
}

interface MergedTopic {
  readonly arn: string;
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly where: string;
}

/** One topic may be named by several events (and a resource): their attributes together. */
function mergedTopics(declarations: Omit<SnsDeclarations, "warnings"> | undefined): MergedTopic[] {
  const topics = new Map<string, MergedTopic>();
  for (const topic of declarations?.topics ?? ([] as SnsTopicDeclaration[])) {
    const seen = topics.get(topic.arn);
    topics.set(topic.arn, {
      arn: topic.arn,
      name: topic.name,
      attributes: { ...seen?.attributes, ...topic.attributes },
      where: `${topic.manifestPath}: ${topic.keyPath}`,
    });
  }
  return [...topics.values()];
}

function keyedTopics(declarations: Omit<SnsDeclarations, "warnings"> | undefined) {
  return keyed(
    mergedTopics(declarations),
    (topic) => topic.arn,
    (topic) => topic.attributes,
  );
}

/** A subscription is its topic, protocol and endpoint (as SNS's Subscribe is idempotent on them). */
function keyedSubscriptions(declarations: Omit<SnsDeclarations, "warnings"> | undefined) {
  return keyed(
    declarations?.subscriptions ?? [],
    (subscription) => `${subscription.topicArn} → ${subscription.protocol} ${subscription.endpoint}`,
    (subscription) => subscription.attributes,
  );
}

function invalid(where: string, error: unknown): Error {
  if (!isSnsError(error) || error.kind === "InternalError") return error as Error;
  return new Error(coded("LKN_ERR_SNS_TOPICS_INVALID", `${where}: ${error.message}`), { cause: error });
}

async function declareTopic(service: SnsService, topic: MergedTopic): Promise<void> {
  const parsed = parseTopicArn(topic.arn);
  try {
    await service.declareTopic(topic.name, topic.attributes, parsed?.region, parsed?.account);
  } catch (error) {
    throw invalid(topic.where, error);
  }
}

async function declareSubscription(
  service: SnsService,
  subscription: SnsSubscriptionDeclaration,
): Promise<void> {
  try {
    const made = await service.subscribe(subscription.topicArn, subscription.protocol, subscription.endpoint);
    // serverless.yml is the truth for its subscriptions: a filter policy changed since the last start applies.
    await service.setSubscriptionAttributes(made.arn, subscription.attributes);
  } catch (error) {
    throw invalid(`${subscription.manifestPath}: ${subscription.keyPath}`, error);
  }
}

async function declareAll(
  service: SnsService,
  declarations: Omit<SnsDeclarations, "warnings"> | undefined,
): Promise<{ topics: number; subscriptions: number }> {
  if (!declarations) return { topics: 0, subscriptions: 0 };
  const topics = mergedTopics(declarations);
  for (const topic of topics) await declareTopic(service, topic);
  for (const subscription of declarations.subscriptions) await declareSubscription(service, subscription);
  return { topics: topics.length, subscriptions: declarations.subscriptions.length };
}
