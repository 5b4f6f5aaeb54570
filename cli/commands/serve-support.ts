/**
 * What the long-running commands (`lambkin dev`, `lambkin gateway`, `lambkin worker`) compose alike: the job queue
 * opened and ready, the readable lines they print (functions, access keys, Redis), the reports of the queue and
 * of the sync channel as coded log lines, the listen step, and the exit once the log is written out.
 */
import type { FastifyInstance } from "fastify";
import pc from "picocolors";
import type { Logger } from "pino";
import { INIT_LIMIT_MS } from "../../runtime/environment/execution-environment.js";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import { registryResolver } from "../../runtime/invocation/resolve-function.js";
import { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import { type LoadedServices, loadServices } from "../../runtime/manifest/load-services.js";
import {
  formatWarning,
  type ManifestWarning,
  warningLogFields,
} from "../../runtime/manifest/manifest-error.js";
import type { S3NotificationRule } from "../../runtime/manifest/s3-events.js";
import type { StaticSite } from "../../runtime/manifest/static-site.js";
import { bucketNotificationRules } from "../../services/s3/declared-buckets.js";
import type { ChannelReporter } from "../../triggers/cluster/interfaces/sync-channel.js";
import type { JobQueue, QueueReporter } from "../../triggers/queue/interfaces/job-queue.js";
import { openJobQueue } from "../../triggers/queue/open-job-queue.js";
import { S3Notifications } from "../../triggers/s3/s3-notifications.js";
import type { ScheduleRunner } from "../../triggers/schedule/interfaces/schedule-runner.js";
import type { SqsEventSources } from "../../triggers/sqs/event-source/start-sqs-event-sources.js";
import { runtimeOptions, type ServiceFlags } from "../runtime-settings.js";
import { queueLeaseMsOf } from "../state-folder.js";
import { EXIT_OK, UsageError } from "../usage-error.js";

/**
 * Once shut down, how long the process may take to exit on its own before it is made to: nothing left
 * behind (a handle some library keeps open) may keep a stopped Lambkin running.
 */
const EXIT_GRACE_MS = 2000;
/** At most this long is spent writing out the log queued for stderr before exiting anyway. */
const LOG_FLUSH_MS = 30_000;

/** The queue of asynchronous invocations, ready; `onFailure` releases what was started before it. */
export async function openReadyQueue(
  settings: { redisUrl: string | undefined; stateDir: string; prefix: string },
  logger: Logger,
  onFailure: () => Promise<void> = async () => {},
): Promise<JobQueue> {
  try {
    const leaseMs = queueLeaseMsOf();
    const queue = openJobQueue({
      ...settings,
      ...(leaseMs === undefined ? {} : { leaseMs }),
      reporter: queueReporter(logger),
    });
    await queue.ready();
    return queue;
  } catch (error) {
    await onFailure();
    throw error;
  }
}

/**
 * The functions of the services, without a runtime (`lambkin gateway`: routes and the control plane need them,
 * environments do not), and the static site the gateway serves, with the manifest warnings logged as
 * startRuntime logs them.
 */
export async function loadRegistry(
  flags: ServiceFlags,
  logger: Logger,
): Promise<{ registry: FunctionRegistry; site: StaticSite | undefined; services: LoadedServices }> {
  const options = runtimeOptions(flags, logger);
  const services = await loadServices(options.dir, {
    stage: options.stage,
    region: options.region,
    env: options.env,
  });
  for (const warning of services.warnings) logger.warn(warningLogFields(warning), formatWarning(warning));
  return { registry: new FunctionRegistry(services.functions), site: services.site, services };
}

/** One line on the static site served at /, when a service declares one. */
export function describeSite(site: StaticSite | undefined, address: string, logger: Logger): void {
  if (site === undefined) return;
  logger.info(
    `site of ${pc.bold(site.service)} (serverless-finch) at ${pc.bold(`${address}/`)}, from ${site.root}; routes win over its files`,
  );
}

/**
 * The bucket notifications — the functions' `s3` events and the declared buckets' `NotificationConfiguration` — as the
 * intake of POST /_lambkin/s3-events and of Lambkin's S3. A declared configuration Lambkin cannot deliver is warned
 * about here; an invalid one (an overlap, say) stops the start, as CloudFormation would refuse it.
 */
export function s3NotificationsOf(
  registry: FunctionRegistry,
  invocations: Invocations,
  services: LoadedServices,
  logger: Logger,
  printed: Set<string> = new Set(),
): S3Notifications {
  return new S3Notifications(
    s3NotificationRulesOf(services, logger, printed),
    registryResolver(registry),
    invocations,
  );
}

/**
 * The functions' `s3` events and the buckets' NotificationConfiguration, together (also after a reload, whose
 * `printed` holds the warnings said already: a warning is said once, not at every save).
 */
export function s3NotificationRulesOf(
  services: Pick<LoadedServices, "resources" | "functions" | "s3Notifications">,
  logger: Logger,
  printed: Set<string> = new Set(),
): S3NotificationRule[] {
  const warnings: ManifestWarning[] = [];
  const declared = bucketNotificationRules(services.resources, services.functions, warnings);
  for (const warning of warnings) {
    const text = formatWarning(warning);
    if (printed.has(text)) continue;
    printed.add(text);
    logger.warn(warningLogFields(warning), text);
  }
  // The functions' own rules were parsed (and overlap-checked) by the loader: not again here.
  return [...services.s3Notifications, ...declared];
}

/** One line on the SQS queues and mappings, when the services have any. */
export function describeSqs(sqs: SqsEventSources | undefined, logger: Logger): void {
  if (sqs === undefined || (sqs.declaredQueues === 0 && sqs.polling === 0)) return;
  logger.info(
    `SQS: ${pc.bold(String(sqs.declaredQueues))} declared queue(s) ready, ${pc.bold(String(sqs.polling))} sqs event source mapping(s) polling, messages kept in the ${sqs.store.backend} store`,
  );
}

/** One line on what fires the schedules, when a service has any. */
export function describeSchedules(registry: FunctionRegistry, runner: ScheduleRunner, logger: Logger): void {
  const rules = registry.all().flatMap((fn) => fn.schedules);
  if (rules.length === 0) return;
  const enabled = rules.filter((rule) => rule.enabled).length;
  logger.info(
    `${pc.bold(String(enabled))} schedule(s) firing${rules.length > enabled ? ` (${rules.length - enabled} disabled)` : ""}, on ${runner.backend === "bullmq" ? "BullMQ job schedulers: one tick fires once across the cluster" : "in-process timers"}`,
  );
}

/** Queue reports (malformed jobs, Redis trouble) as Lambkin's coded log lines. */
export function queueReporter(logger: Logger): QueueReporter {
  return (report) =>
    logger.warn(
      { code: report.code, ...(report.jobId ? { jobId: report.jobId } : {}) },
      coded(report.code, report.message),
    );
}

/** Sync-channel reports (malformed envelopes, late requests, lost replies) as coded log lines. */
export function channelReporter(logger: Logger): ChannelReporter {
  return (report) => logger.warn({ code: report.code }, coded(report.code, report.message));
}

/** A Redis URL without its password, for log lines. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(REDIS_URL)";
  }
}

export function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0–65535 (got "${value}")`);
  return port;
}

/** Listens, or explains why it cannot (after `closeAll`). */
export async function listenOrExplain(
  gateway: FastifyInstance,
  port: number,
  host: string,
  closeAll: () => Promise<void>,
): Promise<string> {
  try {
    return await gateway.listen({ port, host });
  } catch (error) {
    await closeAll();
    throw new UsageError(
      `cannot listen on ${host}:${port}: ${(error as Error).message}`,
      "LKN_ERR_CLI_LISTEN",
    );
  }
}

export function describeFunctions(registry: FunctionRegistry, logger: Logger): void {
  for (const fn of registry.all()) {
    const events = fn.events.map((event) => Object.keys(event)[0]).join(", ");
    logger.info(
      `${pc.magenta(fn.name)} ${pc.dim(`${fn.runtime} ${fn.handler} ${fn.memorySize} MB ${fn.timeout}s`)}${events ? ` ${pc.cyan(events)}` : ""}`,
    );
  }
}

export function describeAccessKeys(accessKeys: ReadonlyMap<string, unknown>, logger: Logger): void {
  if (accessKeys.size === 0) {
    const code = "LKN_WRN_DEV_NO_ACCESS_KEYS";
    logger.warn(
      { code },
      coded(
        code,
        "no access keys configured (LAMBKIN_ACCESS_KEYS): Invoke API and /_lambkin signatures are NOT checked",
      ),
    );
  } else {
    logger.info(`Invoke API requires SigV4 signatures from ${accessKeys.size} configured access key(s)`);
  }
}

/** The longest an invocation of these functions may run: init limit and the longest timeout. */
export function longestInvocationMs(registry: FunctionRegistry): number {
  return INIT_LIMIT_MS + Math.max(0, ...registry.all().map((fn) => fn.timeout * 1000));
}

/**
 * Exits 0 after a shutdown. Lambkin's log first: what is still queued for a stderr reader that is behind
 * (megabytes of function output) is written before the grace starts — within LOG_FLUSH_MS, for a reader that
 * never reads.
 */
export function exitOnceLogWritten(): number {
  setTimeout(() => process.exit(EXIT_OK), LOG_FLUSH_MS).unref();
  process.stderr.write("", () => setTimeout(() => process.exit(EXIT_OK), EXIT_GRACE_MS).unref());
  return EXIT_OK;
}
