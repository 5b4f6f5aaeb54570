/**
 * Chooses the JobQueue adapter from Lambkin's settings: BullMQ when a Redis URL is given (every gateway and worker
 * of a cluster shares it), else the embedded SQLite queue in the state folder (`lambkin dev` alone, durable across
 * restarts and crashes). The caller reads the settings (REDIS_URL, --state, LAMBKIN_STATE_DIR).
 */
import { BullMqJobQueue } from "./bullmq/bullmq-job-queue.js";
import { EmbeddedJobQueue } from "./embedded/embedded-job-queue.js";
import type { JobQueue, QueueReporter } from "./interfaces/job-queue.js";

export interface JobQueueSettings {
  readonly redisUrl?: string;
  /** Lambkin's state folder: where the embedded queue keeps its file. */
  readonly stateDir: string;
  /** Redis key prefix (default `lambkin`): clusters sharing one Redis use one each. */
  readonly prefix?: string;
  readonly reporter?: QueueReporter;
  /** How long a running job stays its consumer's without renewal (ms); default the adapter's (30 s). */
  readonly leaseMs?: number;
}

/** Throws QueueStateLockedError when another process holds the embedded queue of the state folder. */
export function openJobQueue(settings: JobQueueSettings): JobQueue {
  const reporter = settings.reporter ? { reporter: settings.reporter } : {};
  if (settings.redisUrl !== undefined && settings.redisUrl !== "") {
    return new BullMqJobQueue({
      connection: settings.redisUrl,
      ...(settings.prefix === undefined ? {} : { prefix: settings.prefix }),
      ...(settings.leaseMs === undefined ? {} : { lockDurationMs: settings.leaseMs }),
      ...reporter,
    });
  }
  return new EmbeddedJobQueue({
    stateDir: settings.stateDir,
    ...(settings.leaseMs === undefined ? {} : { leaseMs: settings.leaseMs }),
    ...reporter,
  });
}
