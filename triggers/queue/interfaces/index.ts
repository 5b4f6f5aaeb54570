/** The JobQueue port's contracts: the job, the queue, the consumer, the dead letters, the errors. */
export * from "./job-queue.js";
export * from "./queue-errors.js";
export * from "./queued-invocation.js";
