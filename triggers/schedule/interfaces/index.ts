/** The ScheduleRunner port's contracts: the tick, the runner, its options and reports, its error. */
export * from "./schedule-errors.js";
export * from "./schedule-runner.js";
