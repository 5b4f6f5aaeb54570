/**
 * `lambkin worker`: one engine room of a cluster. Owns execution environments and runs what the gateways hand it
 * through Redis (REDIS_URL, required; key prefix LAMBKIN_REDIS_PREFIX): synchronous invocations from the sync
 * channel (at most LAMBKIN_SYNC_CONCURRENCY at once, taken only while it has room) and events from the shared
 * BullMQ queue, with Lambda's retry rules. The concurrency caps (reserved concurrency, the account limit) are kept
 * in the same Redis, so they hold across every worker: a synchronous call over a cap is refused at once with
 * TooManyRequestsException, an event waits for capacity.
 * SIGINT/SIGTERM: takes no new work from either queue, lets the invocations running finish (up to their timeout),
 * sends their answers, and exits 0; a second signal exits at once.
 */
import pc from "picocolors";
import type { Logger } from "pino";
import { DEFAULT_ACCOUNT_CONCURRENCY } from "../../runtime/concurrency/concurrency-plan.js";
import { registryResolver } from "../../runtime/invocation/resolve-function.js";
import { startRuntime } from "../../runtime/lambkin-runtime.js";
import { teeFunctionLogSink } from "../../runtime/logs/function-log-sink.js";
import { startAsyncInvocations } from "../../triggers/async/async-invocations.js";
import { retryPolicyFromEnvironment } from "../../triggers/async/retry-policy.js";
import { RedisLogPublisher } from "../../triggers/cluster/redis/redis-log-forwarding.js";
import { RedisSyncInvocationServer } from "../../triggers/cluster/redis/redis-sync-server.js";
import { type SnsRuntime, startSns } from "../../triggers/sns/start-sns.js";
import {
  type SqsEventSources,
  startSqsEventSources,
} from "../../triggers/sqs/event-source/start-sqs-event-sources.js";
import { startStreamPollers } from "../../triggers/streams/start-stream-pollers.js";
import { functionLogSinkOf } from "../logger.js";
import { runtimeOptions, type ServiceFlags } from "../runtime-settings.js";
import { queueLeaseMsOf, redisPrefixOf, requiredRedisUrl, stateFolder } from "../state-folder.js";
import { UsageError } from "../usage-error.js";
import { shutDownOnSignal } from "./dev-shutdown.js";
import {
  channelReporter,
  describeFunctions,
  describeSqs,
  exitOnceLogWritten,
  longestInvocationMs,
  openReadyQueue,
  redactedUrl,
} from "./serve-support.js";

export type WorkerFlags = ServiceFlags;

export async function workerCommand(flags: WorkerFlags, logger: Logger): Promise<number> {
  const redisUrl = requiredRedisUrl("worker");
  const prefix = redisPrefixOf(process.env, flags.stage);
  const options = runtimeOptions(flags, logger);
  // Settings first: a bad LAMBKIN_ASYNC_RETRY_DELAYS stops the worker before anything starts.
  const retries = retryPolicyFromEnvironment();
  // By default as many as the account may run: past that, the caps refuse anyway.
  const syncConcurrency = syncConcurrencyOf(options.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY);
  // Function lines also go to the gateways' /_lambkin/logs (lambkin logs), through Redis.
  const forwardedLogs = new RedisLogPublisher(redisUrl, prefix);
  const runtime = await startRuntime({
    ...options,
    concurrencyStore: { redisUrl, keyPrefix: `${prefix}:concurrency` },
    functionLogs: teeFunctionLogSink(functionLogSinkOf(logger), forwardedLogs),
  });
  // Managed Instances' scaling.min: each worker keeps its own (this process runs them).
  void runtime.keepMinimumEnvironments();
  const queue = await openReadyQueue(
    { redisUrl, stateDir: stateFolder(undefined, process.env, flags.stage), prefix },
    logger,
    () => runtime.close(),
  );
  let sync: RedisSyncInvocationServer;
  try {
    sync = await RedisSyncInvocationServer.connect({ redisUrl, prefix, reporter: channelReporter(logger) });
  } catch (error) {
    await queue.close({ timeoutMs: 0 });
    await runtime.close();
    throw error;
  }
  let sns: SnsRuntime;
  try {
    sns = await startSns({
      queue,
      redisUrl,
      prefix,
      registry: runtime.registry,
      declarations: runtime.services.sns,
      logger,
    });
  } catch (error) {
    await sync.close({ timeoutMs: 0 });
    await queue.close({ timeoutMs: 0 });
    await runtime.close();
    throw error;
  }
  const async = startAsyncInvocations({
    runtime,
    queue,
    logger,
    retries,
    destinationServices: sns.destinationServices,
  });
  sns.bindInvocations(async.invocations);
  let sqs: SqsEventSources;
  try {
    sqs = await startSqsEventSources({
      services: runtime.services,
      jobQueue: queue,
      redisUrl,
      prefix,
      invocations: async.invocations,
      functions: registryResolver(runtime.registry),
      logger,
      store: sns.sqs,
    });
  } catch (error) {
    await Promise.all([sync.close({ timeoutMs: 0 }), async.consumer.close({ timeoutMs: 0 })]);
    await sns.close();
    await queue.close({ timeoutMs: 0 });
    await runtime.close();
    throw error;
  }
  forwardedLogs.connect();
  sync.serve(
    (request, handedOverLease) =>
      runtime.invoker.run(request, handedOverLease === undefined ? {} : { handedOverLease }),
    {
      concurrency: syncConcurrency,
      discardLease: (request, leaseId) => runtime.invoker.discardHandedOver(request, leaseId),
    },
  );
  const leaseMs = queueLeaseMsOf();
  const { invocations } = async;
  const streams = await startStreamPollers({
    registry: runtime.registry,
    invocations,
    queue,
    redisUrl,
    prefix,
    logger,
    ...(leaseMs ? { leaseMs } : {}),
  });
  const closeAll = async () => {
    await streams.close();
    await Promise.all([sync.close({ timeoutMs: 0 }), async.consumer.close({ timeoutMs: 0 }), sqs.close()]);
    await sns.close();
    await runtime.close();
    await queue.close({ timeoutMs: 0 });
    await forwardedLogs.close();
  };
  try {
    await sns.declare();
  } catch (error) {
    await closeAll();
    throw error;
  }
  describeFunctions(runtime.registry, logger);
  describeSqs(sqs, logger);
  logger.info(
    `taking synchronous invocations (up to ${syncConcurrency} at once) and events from ${pc.bold(redactedUrl(redisUrl))} (prefix ${pc.bold(prefix)}); concurrency caps kept there`,
  );
  logger.info(`worker ready — ${runtime.registry.all().length} functions — Ctrl-C to stop`);
  const longestMs = longestInvocationMs(runtime.registry);
  await shutDownOnSignal({
    subject: "the intake of work (synchronous and queued)",
    // Neither queue hands out more; what was taken runs to its end, and its answer is sent.
    stopIntake: async () => {
      await Promise.all([
        sync.close({ timeoutMs: longestMs }),
        async.consumer.close({ timeoutMs: longestMs }),
        sqs.stopPolling(),
      ]);
    },
    invoker: runtime.invoker,
    longestInvocationMs: longestMs,
    closeRuntime: closeAll,
    logger,
  });
  logger.info("worker stopped");
  return exitOnceLogWritten();
}

function syncConcurrencyOf(fallback: number, env = process.env): number {
  const value = env.LAMBKIN_SYNC_CONCURRENCY;
  if (value === undefined || value === "") return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new UsageError(
      `LAMBKIN_SYNC_CONCURRENCY must be a positive integer (got "${value}")`,
      "LKN_ERR_CONFIG_INVALID",
    );
  return number;
}
