/**
 * `lambkin gateway`: one front door of a cluster. Serves every service's HTTP routes and the Lambda Invoke API
 * like `lambkin dev`, but runs no function: synchronous invocations go to a `lambkin worker` through the Redis
 * sync channel (triggers/cluster/) and are answered exactly as the worker's Invoker answered them; Event
 * invocations are stored in the shared BullMQ queue. Any number of gateways and workers share one Redis
 * (REDIS_URL, required) under one key prefix (LAMBKIN_REDIS_PREFIX). SIGINT/SIGTERM: stops listening, takes back
 * the calls no worker has taken (answered ServiceException, not run), lets those a worker runs be answered (each by
 * its deadline at the latest), and exits 0; a second signal exits at once.
 */
import pc from "picocolors";
import type { Logger } from "pino";
import { createGateway } from "../../gateway/gateway-app.js";
import { snsServiceDefinition } from "../../gateway/sns-api/sns-api.js";
import { DEFAULT_ACCOUNT_CONCURRENCY } from "../../runtime/concurrency/concurrency-plan.js";
import { DEFAULT_LEASE_TTL_MS } from "../../runtime/concurrency/redis-concurrency-limiter.js";
import { RedisLeaseLayout } from "../../runtime/concurrency/redis-lease-layout.js";
import { resolveFunction } from "../../runtime/invocation/resolve-function.js";
import { RecentLogs, recentLogsLimitsFromEnvironment } from "../../runtime/logs/recent-logs.js";
import { type LocalCloud, startLocalCloud } from "../../services/local-cloud.js";
import { clusterInvocations } from "../../triggers/cluster/cluster-invocations.js";
import { SYNC_DEADLINE_SLACK_MS } from "../../triggers/cluster/interfaces/sync-deadline.js";
import {
  type ForwardedLogs,
  receiveForwardedLogs,
} from "../../triggers/cluster/redis/redis-log-forwarding.js";
import { RedisSyncInvocationClient } from "../../triggers/cluster/redis/redis-sync-client.js";
import type { ScheduleRunner } from "../../triggers/schedule/interfaces/schedule-runner.js";
import { startSchedules } from "../../triggers/schedule/start-schedules.js";
import { type SnsRuntime, startSns } from "../../triggers/sns/start-sns.js";
import { accessKeysFromEnvironment } from "../access-keys.js";
import { runtimeOptions, type ServiceFlags } from "../runtime-settings.js";
import { redisPrefixOf, requiredRedisUrl, s3PortOf, stateFolder } from "../state-folder.js";
import { shutDownOnSignal } from "./dev-shutdown.js";
import { usedEndpointsOf } from "./local-cloud-support.js";
import {
  channelReporter,
  describeAccessKeys,
  describeFunctions,
  describeSchedules,
  describeSite,
  exitOnceLogWritten,
  listenOrExplain,
  loadRegistry,
  longestInvocationMs,
  openReadyQueue,
  portNumber,
  redactedUrl,
  s3NotificationsOf,
} from "./serve-support.js";
import { openSqsApiStore } from "./sqs-api-store.js";

export interface GatewayFlags extends ServiceFlags {
  readonly port?: string;
  readonly host?: string;
}

export async function gatewayCommand(flags: GatewayFlags, logger: Logger): Promise<number> {
  const redisUrl = requiredRedisUrl("gateway");
  const prefix = redisPrefixOf(process.env, flags.stage);
  const port = portNumber(flags.port ?? process.env.PORT ?? "3000");
  const host = flags.host ?? process.env.LAMBKIN_HOST ?? "127.0.0.1";
  const accessKeys = accessKeysFromEnvironment();
  const { registry, site, services } = await loadRegistry(flags, logger);
  // The workers' caps, in the workers' keys: a call takes its unit as it is queued (one Redis step, no worker hop
  // for a refusal) and the worker that runs it adopts the unit.
  const leases = new RedisLeaseLayout(
    runtimeOptions(flags, logger).accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY,
    registry.all(),
    `${prefix}:concurrency`,
  );
  const stateDir = stateFolder(undefined, process.env, flags.stage);
  const s3Port = s3PortOf();
  const queue = await openReadyQueue({ redisUrl, stateDir, prefix }, logger);
  let channel: RedisSyncInvocationClient;
  try {
    channel = await RedisSyncInvocationClient.connect({
      redisUrl,
      prefix,
      reporter: channelReporter(logger),
      leases: {
        slotOf: (request) =>
          leases.slotOf(resolveFunction(registry, request.functionName, request.qualifier)),
        ttlMs: DEFAULT_LEASE_TTL_MS,
      },
    });
  } catch (error) {
    await queue.close({ timeoutMs: 0 });
    throw error;
  }
  let schedules: ScheduleRunner | undefined;
  let sqsStore: Awaited<ReturnType<typeof openSqsApiStore>> | undefined;
  let sns: SnsRuntime | undefined;
  let cloud: LocalCloud | undefined;
  // The workers' function lines, forwarded through Redis, for /_lambkin/logs (lambkin logs).
  const recentLogs = new RecentLogs(recentLogsLimitsFromEnvironment());
  let forwardedLogs: ForwardedLogs | undefined;
  const closeAll = async () => {
    await forwardedLogs?.close();
    await cloud?.close();
    await schedules?.close();
    await sns?.close();
    await sqsStore?.close();
    await channel.close();
    await queue.close({ timeoutMs: 0 });
  };
  try {
    // A gateway fires the schedules: BullMQ's job schedulers make one tick one event across every gateway.
    schedules = await startSchedules({ registry, queue, redisUrl, prefix, logger });
    sqsStore = await openSqsApiStore(registry, queue, { redisUrl, prefix });
    // The SNS API: topics in Redis, deliveries into the same SQS store; the workers declare serverless.yml's
    // topics and deliver destinations.
    sns = await startSns({ queue, redisUrl, prefix, registry, logger, sqs: sqsStore });
    forwardedLogs = await receiveForwardedLogs(redisUrl, prefix, recentLogs);
  } catch (error) {
    await closeAll();
    throw error;
  }
  const invocations = clusterInvocations({ registry, channel, queue });
  sns.bindInvocations(invocations);
  const s3Notifications = s3NotificationsOf(registry, invocations, services, logger);
  try {
    // The gateway creates the declared tables and buckets and serves S3 (its events go straight into the queue);
    // DynamoDB is AWS_ENDPOINT_URL_DYNAMODB's (DynamoDB Local in its own container, say): no Java in a gateway.
    cloud = await startLocalCloud({
      services: services,
      stateDir,
      host,
      env: process.env,
      logger,
      dynamoDbPort: undefined,
      s3Port,
      createResources: true,
      notifications: () => s3Notifications,
    });
  } catch (error) {
    await closeAll();
    throw error;
  }
  const gateway = await createGateway({
    backend: { registry, invocations },
    logger,
    accessKeys,
    // The failed events of the cluster are in the shared queue: /_lambkin/events serves them from any gateway.
    deadLetters: queue.deadLetters,
    s3Notifications,
    usedEndpoints: () => usedEndpointsOf(cloud),
    awsServices: [snsServiceDefinition(sns.service)],
    sqsStore,
    ...(site ? { site } : {}),
    recentLogs,
  });
  const address = await listenOrExplain(gateway, port, host, closeAll);
  sns.setEndpointUrl(address);
  describeFunctions(registry, logger);
  describeAccessKeys(accessKeys, logger);
  describeSchedules(registry, schedules, logger);
  describeSite(site, address, logger);
  logger.info(
    `invocations run on the workers of ${pc.bold(redactedUrl(redisUrl))} (prefix ${pc.bold(prefix)}): synchronous ones through ${pc.bold(`${prefix}:sync:requests`)}, events through BullMQ`,
  );
  logger.info(
    `gateway ready on ${pc.bold(address)} — ${registry.all().length} functions — no environment in this process — Ctrl-C to stop`,
  );
  await shutDownOnSignal({
    subject: "the gateway",
    server: gateway.server,
    closeGateway: () => gateway.close(),
    // Calls no worker has taken yet are taken back and answered at once; those running get their answer.
    stopIntake: () => channel.withdrawUntaken(),
    invoker: channel,
    longestInvocationMs: longestInvocationMs(registry) + SYNC_DEADLINE_SLACK_MS,
    closeRuntime: closeAll,
    logger,
  });
  return exitOnceLogWritten();
}
