/**
 * Chooses the SqsStore adapter as openJobQueue chooses the job queue's, and on the same backend (issue #9: "the
 * messages live in the JobQueue's backend: no second store"): Redis when a Redis URL is given (the cluster's, keys
 * under `<prefix>:sqs`), else the embedded store on the embedded job queue's open SQLite connection (the file is
 * locked to that connection: the store must share it, and is closed with it).
 */
import { EmbeddedJobQueue } from "../queue/embedded/embedded-job-queue.js";
import type { JobQueue } from "../queue/interfaces/job-queue.js";
import { EmbeddedSqsStore } from "./embedded/embedded-sqs-store.js";
import { storeUnavailable } from "./interfaces/sqs-errors.js";
import type { SqsStore } from "./interfaces/sqs-store.js";
import { RedisSqsStore } from "./redis/redis-sqs-store.js";

export interface SqsStoreSettings {
  /** The open job queue (openJobQueue / openReadyQueue): its embedded file, when there is no Redis. */
  readonly jobQueue: JobQueue;
  readonly redisUrl?: string;
  /** Redis key prefix (LAMBKIN_REDIS_PREFIX, default `lambkin`). */
  readonly prefix?: string;
  /** The region of the queues' ARNs (the services' region). */
  readonly region: string;
}

/** Rejects with ServiceUnavailable (LKN_ERR_SQS_STORE_UNAVAILABLE) when Redis cannot be reached. */
export async function openSqsStore(settings: SqsStoreSettings): Promise<SqsStore> {
  if (settings.redisUrl !== undefined && settings.redisUrl !== "") {
    return RedisSqsStore.connect({
      redisUrl: settings.redisUrl,
      region: settings.region,
      ...(settings.prefix === undefined ? {} : { prefix: settings.prefix }),
    });
  }
  if (!(settings.jobQueue instanceof EmbeddedJobQueue)) {
    throw storeUnavailable(
      `the SQS store needs the embedded job queue or a Redis URL; the job queue is ${settings.jobQueue.backend}`,
    );
  }
  return new EmbeddedSqsStore({ database: settings.jobQueue.database, region: settings.region });
}
