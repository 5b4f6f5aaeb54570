/**
 * The ScheduleRunner port: what makes the `schedule` events of serverless.yml fire — EventBridge scheduled rules
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html) and EventBridge Scheduler
 * schedules (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html) — and nothing of what a
 * tick then does (the caller's onTick queues the function's invocation). Two adapters implement it: BullMQ job
 * schedulers on Redis, shared by any number of processes (triggers/schedule/bullmq/), and in-process timers for
 * one process (triggers/schedule/embedded/); one conformance suite
 * (test/triggers/schedule/schedule-runner.conformance.ts) holds both to this contract:
 * - each tick of an enabled rule calls onTick once, with the rule and the firing time the schedule computes
 *   (not the moment it ran): every process computing that tick names it the same;
 * - ticks missed while nothing could fire them are not replayed, as on EventBridge: a tick seen more than
 *   `staleAfterMs` after its firing time is dropped and reported;
 * - a disabled rule (`enabled: false`) never fires; start() again replaces the whole set of rules;
 * - an onTick that throws is reported; the schedule goes on.
 */
import type { ScheduleRule } from "../../../runtime/manifest/schedule-rule.js";

export interface ScheduleTick {
  readonly rule: ScheduleRule;
  /** The instant the schedule fired for, as the schedule computes it (whole seconds for real expressions). */
  readonly firingTime: Date;
}

export type TickHandler = (tick: ScheduleTick) => Promise<void>;

export interface ScheduleRunner {
  readonly backend: "bullmq" | "embedded";
  /**
   * Declares the rules (all rules of all functions; disabled ones never fire) and starts firing them. Calling it
   * again replaces the set (a rule gone is removed, a changed expression takes effect).
   */
  start(rules: readonly ScheduleRule[], onTick: TickHandler): Promise<void>;
  /** Stops firing; waits for running onTick calls (bounded); closes connections. */
  close(): Promise<void>;
}

/**
 * The firing time of `rule` strictly after `after`. `startedAt` is when the rule was first declared: a rate
 * counts its periods from it. The default is the schedule's own (triggers/schedule/next-firing.ts).
 *
 * A TEST SEAM: AWS's shortest period is one minute, so the tests give the runners a scaled clock (a minute of
 * the expression becomes a second); nothing else should set it.
 */
export type FiringTimes = (rule: FiringRule, after: Date, startedAt: Date) => Date | undefined;

/** What firing times depend on: a rule's schedule (a ScheduleRule is one). */
export type FiringRule = Pick<ScheduleRule, "arn" | "expression" | "timezone">;

export interface ScheduleReport {
  readonly code:
    | "LKN_WRN_SCHEDULE_TICK_DROPPED"
    | "LKN_WRN_SCHEDULE_TICK_FAILED"
    | "LKN_WRN_SCHEDULE_BACKEND";
  readonly message: string;
  /** The rule the report is about, when there is one. */
  readonly ruleArn?: string;
  readonly firingTime?: Date;
}

export type ScheduleReporter = (report: ScheduleReport) => void;

/** What both adapters take. */
export interface ScheduleRunnerOptions {
  readonly reporter?: ScheduleReporter;
  /**
   * A tick first seen more than this long after its firing time is dropped (reported, not run): the ticks of a
   * time when nothing could fire them are not replayed. Default 60 000 (one minute, EventBridge's finest
   * resolution). Tests shorten it along with their clock.
   */
  readonly staleAfterMs?: number;
  /** How long close() waits for running onTick calls (ms). Default 10 000. */
  readonly closeTimeoutMs?: number;
  /** Test seam; see FiringTimes. */
  readonly firingTimes?: FiringTimes;
}
