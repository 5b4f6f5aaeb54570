/**
 * `lambkin dev` (`npm start`): loads every service, serves the gateway (API Gateway routes and the
 * Lambda Invoke API), queues asynchronous invocations durably and runs every invocation in process sandboxes,
 * all in one process, on embedded defaults: the embedded queue in the state folder (`.lambkin/`), unless
 * REDIS_URL names a Redis to share with `lambkin gateway` / `lambkin worker` processes (the queue and the
 * concurrency caps are then Redis's, under LAMBKIN_REDIS_PREFIX). Until SIGINT/SIGTERM, when it stops taking
 * work and shuts down within a bound (dev-shutdown.ts) and exits.
 */

import pc from "picocolors";
import type { Logger } from "pino";
import { LiveRouteTable } from "../../gateway/api-gateway/live-route-table.js";
import { createGateway } from "../../gateway/gateway-app.js";
import { snsServiceDefinition } from "../../gateway/sns-api/sns-api.js";
import { inspectRequestFrom } from "../../runtime/debugging/inspect-request.js";
import { registryResolver } from "../../runtime/invocation/resolve-function.js";
import { startRuntime } from "../../runtime/lambkin-runtime.js";
import { teeFunctionLogSink } from "../../runtime/logs/function-log-sink.js";
import { RecentLogs, recentLogsLimitsFromEnvironment } from "../../runtime/logs/recent-logs.js";
import type { ServiceEndpoints } from "../../runtime/sandbox/service-endpoints.js";
import { type LocalCloud, startLocalCloud } from "../../services/local-cloud.js";
import { type MailService, startMailService } from "../../services/mail/start-mail-service.js";
import { startAsyncInvocations } from "../../triggers/async/async-invocations.js";
import { retryPolicyFromEnvironment } from "../../triggers/async/retry-policy.js";
import type { ScheduleRunner } from "../../triggers/schedule/interfaces/schedule-runner.js";
import { startSchedules } from "../../triggers/schedule/start-schedules.js";
import { startSns } from "../../triggers/sns/start-sns.js";
import {
  type SqsEventSources,
  startSqsEventSources,
} from "../../triggers/sqs/event-source/start-sqs-event-sources.js";
import {
  type RunningStreamPollers,
  startStreamPollers,
} from "../../triggers/streams/start-stream-pollers.js";
import { accessKeysFromEnvironment } from "../access-keys.js";
import { type HotReload, startHotReload } from "../dev/hot-reload.js";
import { followSources, type SourceFollower } from "../dev/source-follower.js";
import { functionLogSinkOf } from "../logger.js";
import { runtimeOptions, type ServiceFlags } from "../runtime-settings.js";
import { StandInPorts } from "../stand-in-ports.js";
import {
  dynamoDbPortOf,
  queueLeaseMsOf,
  redisPrefixOf,
  redisUrlOf,
  s3PortOf,
  smtpPortOf,
  stateFolder,
} from "../state-folder.js";
import { startInspection } from "./dev-inspect.js";
import { shutDownOnSignal } from "./dev-shutdown.js";
import { deferred, emptyStateFolder, functionEndpoints, usedEndpointsOf } from "./local-cloud-support.js";
import {
  describeAccessKeys,
  describeFunctions,
  describeSchedules,
  describeSite,
  describeSqs,
  exitOnceLogWritten,
  listenOrExplain,
  longestInvocationMs,
  openReadyQueue,
  portNumber,
  redactedUrl,
  s3NotificationRulesOf,
  s3NotificationsOf,
} from "./serve-support.js";

export interface DevFlags extends ServiceFlags {
  readonly port?: string;
  readonly host?: string;
  readonly state?: string;
  readonly fresh?: boolean;
  /** Lambda's full START/END/REPORT lines (the logger's stream decides; see cli/human-log-stream.ts). */
  readonly verbose?: boolean;
  readonly inspect?: string[];
  readonly inspectPort?: string;
  readonly inspectBrk?: string[];
  /** false with `--no-watch`: no hot reload (cli/dev/). */
  readonly watch?: boolean;
}

export async function devCommand(flags: DevFlags, logger: Logger): Promise<number> {
  const port = portNumber(flags.port ?? process.env.PORT ?? "3000");
  const host = flags.host ?? process.env.LAMBKIN_HOST ?? "127.0.0.1";
  const accessKeys = accessKeysFromEnvironment();
  const redisUrl = redisUrlOf();
  const prefix = redisPrefixOf(process.env, flags.stage);
  // Settings first: a bad LAMBKIN_ASYNC_RETRY_DELAYS stops Lambkin before anything starts.
  const retries = retryPolicyFromEnvironment();
  // A default port another Lambkin (another stage) already serves on: this one's stand-in takes a free one.
  const standInPorts = new StandInPorts(host);
  const smtpPort = await standInPorts.choose(smtpPortOf(), "LAMBKIN_SMTP_PORT");
  const dynamoDbPort = await standInPorts.choose(dynamoDbPortOf(), "LAMBKIN_DYNAMODB_PORT");
  const s3Port = await standInPorts.choose(s3PortOf(), "LAMBKIN_S3_PORT");
  const stateDir = stateFolder(flags.state, process.env, flags.stage);
  const inspect = inspectRequestFrom(flags.inspect, flags.inspectPort, process.env, flags.inspectBrk);
  if (flags.fresh) await emptyStateFolder(stateDir, logger);
  // Every function line also goes to the recent logs that GET /_lambkin/logs (lambkin logs) serves.
  const recentLogs = new RecentLogs(recentLogsLimitsFromEnvironment());
  const options = runtimeOptions(flags, logger);
  const runtime = await startRuntime({
    ...options,
    functionLogs: teeFunctionLogSink(functionLogSinkOf(logger), recentLogs.sink()),
    ...(inspect ? { inspect } : {}),
    // With a Redis, the caps hold across this process and every worker sharing it.
    ...(redisUrl === undefined ? {} : { concurrencyStore: { redisUrl, keyPrefix: `${prefix}:concurrency` } }),
  });
  // Managed Instances' scaling.min: started as Lambkin starts, not awaited (their inits log as they go).
  void runtime.keepMinimumEnvironments();
  const queue = await openReadyQueue({ redisUrl, stateDir, prefix }, logger, () => runtime.close());
  const sns = await startSns({
    queue,
    redisUrl,
    prefix,
    registry: runtime.registry,
    declarations: runtime.services.sns,
    logger,
  }).catch(async (error: unknown) => {
    await runtime.close();
    await queue.close({ timeoutMs: 0 });
    throw error;
  });
  const async = startAsyncInvocations({
    runtime,
    queue,
    logger,
    retries,
    destinationServices: sns.destinationServices,
  });
  sns.bindInvocations(async.invocations);
  // Known once the local cloud runs and the gateway listens (its port may be any free one): environments wait.
  const endpoints = deferred<ServiceEndpoints>();
  runtime.useServiceEndpoints(endpoints.promise);
  // The bucket notification warnings said at start are not said again at each reload.
  const s3Warnings = new Set<string>();
  const s3Notifications = s3NotificationsOf(
    runtime.registry,
    async.invocations,
    runtime.services,
    logger,
    s3Warnings,
  );
  let cloud: LocalCloud | undefined;
  let gatewayAddress: string | undefined;
  let schedules: ScheduleRunner | undefined;
  let sqs: SqsEventSources | undefined;
  let mail: MailService | undefined;
  let streams: RunningStreamPollers | undefined;
  let hotReload: HotReload | undefined;
  let sources: SourceFollower | undefined;
  const closeAll = async () => {
    await hotReload?.close();
    await sources?.close();
    await streams?.close();
    await mail?.close();
    await sqs?.close();
    await schedules?.close();
    await async.consumer.close({ timeoutMs: 0 });
    await sns.close();
    await cloud?.close();
    await runtime.close();
    await queue.close({ timeoutMs: 0 });
  };
  try {
    cloud = await startLocalCloud({
      services: runtime.services,
      stateDir,
      host,
      env: process.env,
      logger,
      dynamoDbPort,
      s3Port,
      createResources: true,
      notifications: () => s3Notifications,
      // A reload declared the first table or bucket: environments started before its stand-in are recycled.
      standInStarted: () => {
        if (!cloud) return;
        const recycled = runtime.changeServiceEndpoints(functionEndpoints(cloud, gatewayAddress));
        logger.info(`local services changed: ${recycled} environment(s) recycled to reach them`);
      },
    });
    schedules = await startSchedules({ registry: runtime.registry, queue, redisUrl, prefix, logger });
    mail = await startMailService({ stateDir, host, port: smtpPort, logger });
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
    await sns.declare();
    const leaseMs = queueLeaseMsOf();
    const { invocations } = async;
    streams = await startStreamPollers({
      registry: runtime.registry,
      invocations,
      queue,
      redisUrl,
      prefix,
      logger,
      env: cloud.env,
      ...(leaseMs ? { leaseMs } : {}),
    });
  } catch (error) {
    endpoints.reject(error);
    await closeAll();
    throw error;
  }
  // Swapped by the hot reload together with the registry (cli/dev/service-reloader.ts).
  const routes = await LiveRouteTable.of(runtime.registry.all());
  const gateway = await createGateway({
    backend: { registry: runtime.registry, invocations: async.invocations },
    routes,
    logger,
    accessKeys,
    deadLetters: queue.deadLetters,
    s3Notifications,
    usedEndpoints: () => usedEndpointsOf(cloud),
    awsServices: [snsServiceDefinition(sns.service)],
    ...(mail ? { mail: mail.store } : {}),
    ...(sqs ? { sqsStore: sqs.store } : {}),
    ...(runtime.services.site ? { site: runtime.services.site } : {}),
    recentLogs,
  });
  const address = await listenOrExplain(gateway, port, host, closeAll);
  gatewayAddress = address;
  sns.setEndpointUrl(address);
  endpoints.resolve(functionEndpoints(cloud, address));
  await startInspection(runtime, logger);
  describeFunctions(runtime.registry, logger);
  describeAccessKeys(accessKeys, logger);
  logger.info(
    `asynchronous invocations: ${queue.backend === "bullmq" ? `BullMQ on ${pc.bold(redactedUrl(redisUrl ?? ""))}` : `embedded queue in ${pc.bold(stateDir)}`}`,
  );
  describeSchedules(runtime.registry, schedules, logger);
  describeSqs(sqs, logger);
  describeSite(runtime.services.site, address, logger);
  if (mail?.server)
    logger.info(
      `mail: SMTP on ${pc.bold(`${mail.server.host}:${mail.server.port}`)}, kept under /_lambkin/mail`,
    );
  standInPorts.report(logger, {
    LAMBKIN_SMTP_PORT: mail?.server !== undefined,
    LAMBKIN_DYNAMODB_PORT: cloud.dynamodb !== undefined && !process.env.AWS_ENDPOINT_URL_DYNAMODB?.trim(),
    LAMBKIN_S3_PORT: cloud.s3 !== undefined && !process.env.AWS_ENDPOINT_URL_S3?.trim(),
  });
  if (flags.watch !== false) {
    // Event sources and resources follow each reload (cli/dev/source-follower.ts).
    sources = followSources({
      cloud,
      sqs,
      sns,
      streams,
      s3: {
        declared: (services) => s3NotificationRulesOf(services, logger, s3Warnings),
        current: () => s3Notifications.currentRules,
        replace: (rules) => s3Notifications.replaceRules(rules),
      },
      logger,
    });
    const follower = sources;
    hotReload = await startHotReload({
      runtime,
      routes,
      root: options.dir,
      logger,
      onServicesSwapped: (previous, current) => follower.onServicesSwapped(previous, current),
    });
  }
  logger.info(`ready on ${pc.bold(address)} — ${runtime.registry.all().length} functions — Ctrl-C to stop`);
  const longestMs = longestInvocationMs(runtime.registry);
  await shutDownOnSignal({
    server: gateway.server,
    closeGateway: () => gateway.close(),
    // No new events are taken; those running finish (their jobs are handed out again past the bound).
    stopIntake: async () => {
      await Promise.all([sqs?.stopPolling(), async.consumer.close({ timeoutMs: longestMs })]);
    },
    invoker: runtime.invoker,
    longestInvocationMs: longestMs,
    closeRuntime: closeAll,
    logger,
  });
  return exitOnceLogWritten();
}
