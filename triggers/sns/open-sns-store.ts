/**
 * Chooses the SnsStore adapter as openSqsStore does, on the job queue's backend (issue #9: no second store):
 * Redis when a Redis URL is given (keys under `<prefix>:sns`), else the embedded store on the embedded job
 * queue's open SQLite connection.
 */
import { EmbeddedJobQueue } from "../queue/embedded/embedded-job-queue.js";
import type { JobQueue } from "../queue/interfaces/job-queue.js";
import { EmbeddedSnsStore } from "./embedded/embedded-sns-store.js";
import { snsStoreUnavailable } from "./interfaces/sns-errors.js";
import type { SnsStore } from "./interfaces/sns-store.js";
import { RedisSnsStore } from "./redis/redis-sns-store.js";

export interface SnsStoreSettings {
  readonly jobQueue: JobQueue;
  readonly redisUrl?: string | undefined;
  readonly prefix?: string;
}

export async function openSnsStore(settings: SnsStoreSettings): Promise<SnsStore> {
  if (settings.redisUrl !== undefined && settings.redisUrl !== "") {
    return RedisSnsStore.connect({
      redisUrl: settings.redisUrl,
      ...(settings.prefix === undefined ? {} : { prefix: settings.prefix }),
    });
  }
  if (!(settings.jobQueue instanceof EmbeddedJobQueue)) {
    throw snsStoreUnavailable(
      `the SNS store needs the embedded job queue or a Redis URL; the job queue is ${settings.jobQueue.backend}`,
    );
  }
  return new EmbeddedSnsStore({ database: settings.jobQueue.database });
}
