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
import type { JobQueue } from "../queue/interfaces/job-queue.js";
import { BullMqScheduleRunner } from "./bullmq/bullmq-schedule-runner.js";
import { EmbeddedScheduleRunner } from "./embedded/embedded-schedule-runner.js";
import type { ScheduleReporter, ScheduleRunner } from "./interfaces/schedule-runner.js";
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
  const rules = settings.registry.all().flatMap((fn) => fn.schedules);
  try {
    await runner.start(rules, async ({ rule, firingTime }) => {
      const { invocation, jobId } = scheduledInvocation(rule, firingTime);
      await queue.enqueue(invocation, { jobId });
      logger.debug({ rule: rule.name, firingTime: firingTime.toISOString() }, `schedule ${rule.name} fired`);
    });
  } catch (error) {
    await runner.close().catch(() => {});
    throw error;
  }
  return runner;
}
