/** The JobQueue port and its two adapters: BullMQ on Redis, and the embedded SQLite queue. */
export { BullMqJobQueue, type BullMqJobQueueOptions } from "./bullmq/bullmq-job-queue.js";
export { EmbeddedJobQueue, type EmbeddedJobQueueOptions } from "./embedded/embedded-job-queue.js";
export * from "./interfaces/index.js";
