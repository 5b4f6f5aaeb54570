/**
 * A BullMQ Job that can be read back whatever its stored data is. BullMQ's Job.fromJSON runs JSON.parse on
 * the job hash's `data` field and throws when it is not JSON (a job written by another program or by hand);
 * in a Worker that throw happens while fetching, so the job is never handed to a processor, stalls, and is
 * fetched again. This subclass keeps such a job readable — its data becomes a marker carrying the stored text
 * — so the consumer can dead-letter it with a clear reason and go on.
 */
import { Job, type JobJson, Queue, Worker } from "bullmq";
import { truncateRaw } from "../queue-support.js";

const UNREADABLE = "__lambkinUnreadableJob";

export interface UnreadableJobData {
  readonly [UNREADABLE]: string;
}

/** The stored text of a job whose data was not JSON, or undefined for a job BullMQ could parse. */
export function unreadableText(data: unknown): string | undefined {
  const text = (data as Partial<UnreadableJobData> | null)?.[UNREADABLE];
  return typeof text === "string" ? text : undefined;
}

export class TolerantJob extends Job {
  static override fromJSON<T = unknown, R = unknown, N extends string = string>(
    queue: Parameters<typeof Job.fromJSON>[0],
    json: JobJson,
    jobId?: string,
  ): Job<T, R, N> {
    try {
      return Job.fromJSON<T, R, N>(queue, json, jobId);
    } catch {
      const data: UnreadableJobData = { [UNREADABLE]: truncateRaw(String(json.data)) };
      return Job.fromJSON<T, R, N>(queue, { ...json, data: JSON.stringify(data) }, jobId);
    }
  }
}

/** A Queue and a Worker that read jobs through TolerantJob (BullMQ's extension point for the Job class). */
export class TolerantQueue extends Queue {
  protected override get Job(): typeof Job {
    return TolerantJob as unknown as typeof Job; // the same class, with a tolerant fromJSON
  }
}

export class TolerantWorker extends Worker {
  protected override get Job(): typeof Job {
    return TolerantJob as unknown as typeof Job; // the same class, with a tolerant fromJSON
  }
}
