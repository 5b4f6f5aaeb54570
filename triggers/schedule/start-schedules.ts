/**
 * Makes the `schedule` events of every loaded function fire: one ScheduleRunner for the process — BullMQ job
 * schedulers when the process shares a Redis (`lambkin gateway`, `lambkin dev` with REDIS_URL: one tick fires once
 * however many processes run), in-process timers otherwise (`lambkin dev` alone) — whose every tick puts an
 * `Event` invocation of the rule's function into the asynchronous queue, under a job id derived from the rule
 * and the firing time (scheduled-invocation.ts), so a tick delivered twice is still one event. From there the
 * event has Lambda's asynchronous semantics: retries, event age, destinations, dead letters
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html).
 */
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import type { ScheduleRule } from "../../runtime/manifest/schedule-rule.js";
import type { JobQueue } from "../queue/interfaces/job-queue.js";
import { BullMqScheduleRunner } from "./bullmq/bullmq-schedule-runner.js";
import { EmbeddedScheduleRunner } from "./embedded/embedded-schedule-runner.js";
import type { ScheduleReporter, ScheduleRunner, ScheduleTick } from "./interfaces/schedule-runner.js";
import { scheduledInvocation } from "./scheduled-invocation.js";

export interface ScheduleSettings {
  readonly registry: FunctionRegistry;
  readonly queue: JobQueue;
  /** Set: the cluster's Redis, whose job schedulers every process shares. */
  readonly redisUrl?: string;
  readonly prefix?: string;
  readonly logger: Logger;
}

/** Starts firing; rejects (LKN_ERR_SCHEDULE_UNAVAILABLE) when the rules cannot be declared. */
export async function startSchedules(settings: ScheduleSettings): Promise<ScheduleRunner> {
  const { logger, queue } = settings;
  const reporter: ScheduleReporter = (report) =>
    logger.warn(
      {
        code: report.code,
        ...(report.ruleArn ? { rule: report.ruleArn } : {}),
        ...(report.firingTime ? { firingTime: report.firingTime.toISOString() } : {}),
      },
      coded(report.code, report.message),
    );
  const runner: ScheduleRunner =
    settings.redisUrl === undefined
      ? new EmbeddedScheduleRunner({ reporter })
      : new BullMqScheduleRunner({
          connection: settings.redisUrl,
          ...(settings.prefix === undefined ? {} : { prefix: settings.prefix }),
          reporter,
        });
  const rulesOf = () => settings.registry.all().flatMap((fn) => fn.schedules);
  const onTick = async ({ rule, firingTime }: ScheduleTick) => {
    const { invocation, jobId } = scheduledInvocation(rule, firingTime);
    await queue.enqueue(invocation, { jobId });
    logger.debug({ rule: rule.name, firingTime: firingTime.toISOString() }, `schedule ${rule.name} fired`);
  };
  let rules = rulesOf();
  try {
    await runner.start(rules, onTick);
  } catch (error) {
    await runner.close().catch(() => {});
    throw error;
  }
  // `lambkin dev` reloads services (cli/dev/): a changed set of rules is declared again — start() replaces the
  // set — one declaration after the other; an unchanged set (a code-only edit) leaves the timers alone.
  let declaring: Promise<void> = Promise.resolve();
  let closed = false;
  const stopFollowing = settings.registry.onChange(() => {
    const next = rulesOf();
    if (closed || sameRules(rules, next)) return;
    rules = next;
    declaring = declaring
      .then(() => (closed ? undefined : runner.start(next, onTick)))
      .then(
        () => logger.info(`schedules: ${next.length} rule(s) declared again after a reload`),
        (error: unknown) => logger.warn({ err: error }, (error as Error).message),
      );
  });
  return {
    backend: runner.backend,
    start: (nextRules, handler) => runner.start(nextRules, handler),
    async close() {
      closed = true;
      stopFollowing();
      await declaring;
      await runner.close();
    },
  };
}

function sameRules(a: readonly ScheduleRule[], b: readonly ScheduleRule[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
