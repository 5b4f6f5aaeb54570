/**
 * Schedules: the ScheduleRunner port and its two adapters (BullMQ job schedulers on Redis, in-process timers),
 * the firing times of AWS schedule expressions, and the event a tick sends its function.
 */
export {
  BullMqScheduleRunner,
  type BullMqScheduleRunnerOptions,
} from "./bullmq/bullmq-schedule-runner.js";
export {
  EmbeddedScheduleRunner,
  type EmbeddedScheduleRunnerOptions,
} from "./embedded/embedded-schedule-runner.js";
export * from "./interfaces/index.js";
export { type FiringOptions, nextFiring, nextFirings, type Schedule } from "./next-firing.js";
export { DEFAULT_STALE_AFTER_MS, scheduleFiringTimes } from "./schedule-runner-support.js";
export { type ScheduledEvent, scheduledEvent, scheduledEventPayload } from "./scheduled-event.js";
