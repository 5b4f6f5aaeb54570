/**
 * What makes the event sources and resources of `lambkin dev` follow a hot reload (hot-reload.ts calls
 * onServicesSwapped once a new set of services is swapped in). Each part compares what serverless.yml declares now
 * with what runs, by stable keys (triggers/event-source-diff.ts), and changes only the difference:
 *
 * 1. S3 notification configurations: replaced at once (the next object event is matched against the new ones),
 *    buckets' NotificationConfiguration and functions' `s3` events alike.
 * 2. Tables and buckets declared since: created, with the start's code (services/local-cloud.ts).
 * 3. SQS: queues declared since created; mappings added, removed (drained) or changed (restarted).
 * 4. SNS: topics declared since created; subscriptions added, changed or removed (unsubscribed).
 * 5. DynamoDB and Kinesis stream mappings: added, removed (drained, checkpointed) or changed (restarted from their
 *    checkpoints).
 *
 * In this order, so that a queue, a table or a bucket exists before what reads it starts. Reloads are followed one
 * after the other, in the order they were swapped. A part that fails — a table DynamoDB refuses, a stand-in that
 * is not running — is one coded warning (LKN_WRN_RELOAD_SOURCE_FAILED) naming it; the other parts and the other
 * declarations follow anyway, the reload itself stands, and what failed is tried again at the next reload. Nothing
 * removed from serverless.yml is deleted (tables, buckets, queues, topics keep their data), unlike a deploy.
 */
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { LoadedServices } from "../../runtime/manifest/load-services.js";
import type { S3NotificationRule } from "../../runtime/manifest/s3-events.js";
import type { LocalCloud } from "../../services/local-cloud.js";
import { diffByKey, keyed, type SourceChanges } from "../../triggers/event-source-diff.js";
import type { SnsRuntime } from "../../triggers/sns/start-sns.js";
import type { SqsEventSources } from "../../triggers/sqs/event-source/start-sqs-event-sources.js";
import type { RunningStreamPollers } from "../../triggers/streams/start-stream-pollers.js";

export interface FollowedSources {
  readonly cloud?: Pick<LocalCloud, "follow"> | undefined;
  readonly sqs?: Pick<SqsEventSources, "follow"> | undefined;
  readonly sns?: Pick<SnsRuntime, "follow"> | undefined;
  readonly streams?: Pick<RunningStreamPollers, "follow"> | undefined;
  /** The S3 notification configurations: the sink the S3 stand-in and POST /_lambkin/s3-events use. */
  readonly s3?: S3Rules | undefined;
  readonly logger: Logger;
}

export interface S3Rules {
  /** The configurations a set of services declares. */
  declared(services: LoadedServices): readonly S3NotificationRule[];
  current(): readonly S3NotificationRule[];
  replace(rules: readonly S3NotificationRule[]): void;
}

export interface SourceFollower {
  /** The hot reload's hook: after a successful swap, with the services before and after it. */
  onServicesSwapped(previous: LoadedServices, current: LoadedServices): void;
  /** Resolves once every reload handed over so far is followed (call before closing the sources). */
  settled(): Promise<void>;
  /** Follows no further reload. */
  close(): Promise<void>;
}

/** Its name in the summary, how to follow, and what a failure of the whole part is said to concern. */
type Part = readonly [name: string, follow: () => Promise<SourceChanges>, concerns?: string];

export function followSources(sources: FollowedSources): SourceFollower {
  const { logger } = sources;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const follow = async (current: LoadedServices): Promise<void> => {
    if (closed) return;
    const summary: string[] = [];
    let failed = 0;
    const { s3, cloud, sqs, sns, streams } = sources;
    const parts: Part[] = [];
    if (s3) parts.push(["s3", async () => followS3(s3, current), "s3 notification configurations"]);
    if (cloud) parts.push(["tables and buckets", () => cloud.follow(current)]);
    if (sqs) parts.push(["sqs", () => sqs.follow(current)]);
    if (sns) parts.push(["sns", () => sns.follow(current.sns)]);
    if (streams) parts.push(["streams", () => streams.follow(current.functions)]);
    for (const [name, run, concerns] of parts) {
      if (closed) return;
      try {
        const changes = await run();
        for (const failure of changes.failures) {
          failed++;
          warn(logger, failure.source, failure.error);
        }
        const said = describe(changes);
        if (said) summary.push(`${name} ${said}`);
      } catch (error) {
        failed++;
        warn(logger, concerns ?? name, error);
      }
    }
    if (summary.length > 0 || failed > 0)
      logger.info(
        `event sources follow the reload: ${summary.length > 0 ? summary.join("; ") : "nothing changed"}${failed > 0 ? `; ${failed} not followed (LKN_WRN_RELOAD_SOURCE_FAILED above)` : ""}`,
      );
    else logger.debug("event sources follow the reload: unchanged");
  };
  return {
    onServicesSwapped(_previous, current) {
      // Each part diffs against what runs (not against `previous`): a declaration that failed to follow one
      // reload is so tried again at the next.
      chain = chain
        .then(() => follow(current))
        .catch((error: unknown) => warn(logger, "event sources", error));
    },
    settled: () => chain,
    async close() {
      closed = true;
      await chain;
    },
  };
}

/** Replaced as a whole (the next object event is matched against the new set); counted by key for the summary. */
function followS3(s3: S3Rules, current: LoadedServices): SourceChanges {
  const keyOf = (rule: S3NotificationRule) =>
    `${rule.functionName} ← s3 ${rule.bucket} ${rule.event} ${rule.prefix}*${rule.suffix}`;
  const settingsOf = (rule: S3NotificationRule) => ({ id: rule.configurationId, region: rule.region });
  const before = new Map(
    keyed(s3.current(), keyOf, settingsOf).map((entry) => [entry.key, entry.fingerprint]),
  );
  const rules = s3.declared(current);
  const diff = diffByKey(before, keyed(rules, keyOf, settingsOf));
  s3.replace(rules);
  return {
    added: diff.added.length,
    removed: diff.removed.length,
    restarted: diff.changed.length,
    failures: [],
  };
}

function describe(changes: SourceChanges): string | undefined {
  const parts = [
    ...(changes.added > 0 ? [`${changes.added} added`] : []),
    ...(changes.removed > 0 ? [`${changes.removed} removed`] : []),
    ...(changes.restarted > 0 ? [`${changes.restarted} changed`] : []),
  ];
  return parts.length > 0 ? parts.join(", ") : undefined;
}

function warn(logger: Logger, source: string, error: unknown): void {
  const code = "LKN_WRN_RELOAD_SOURCE_FAILED";
  const message = error instanceof Error ? error.message : String(error);
  logger.warn(
    { code, source, err: error },
    coded(
      code,
      `${source} does not follow the reload: ${message}; everything else does, and it is tried again at the next save`,
    ),
  );
}
