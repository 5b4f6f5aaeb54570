/**
 * What `lambkin events` does with dead letters, whichever way it reaches them: straight in the queue (the embedded
 * queue's state folder, or BullMQ on REDIS_URL) or over HTTP from a running Lambkin (`/_lambkin/events`,
 * http-events-client.ts). Both give the same JSON views (triggers/queue/dead-letter-view.ts).
 */
import {
  type DeadLetterView,
  type ListFilter,
  listDeadLetterViews,
  toDeadLetterView,
} from "../../triggers/queue/dead-letter-view.js";
import type { JobQueue } from "../../triggers/queue/interfaces/job-queue.js";
import { DeadLetterNotFoundError } from "../../triggers/queue/interfaces/queue-errors.js";

export interface Redriven {
  /** The dead letter's id. */
  readonly id: string;
  /** The new event's job id. */
  readonly jobId: string;
}

export interface EventsClient {
  /** Where the dead letters are read: `embedded queue in DIR`, `BullMQ on URL`, `http://…`. */
  readonly where: string;
  /** Whether a running Lambkin answers (a redriven event runs now), or the queue is opened directly. */
  readonly live: boolean;
  list(filter: ListFilter): Promise<DeadLetterView[]>;
  show(id: string): Promise<DeadLetterView>;
  redrive(id: string): Promise<Redriven>;
  purge(id?: string): Promise<{ readonly purged: number }>;
  close(): Promise<void>;
}

/** The dead letters of a queue this process opened itself. */
export function queueEventsClient(queue: JobQueue, where: string): EventsClient {
  const store = queue.deadLetters;
  return {
    where,
    live: false,
    list: (filter) => listDeadLetterViews(store, filter),
    async show(id) {
      const letter = await store.get(id);
      if (letter === undefined) throw new DeadLetterNotFoundError(id);
      return toDeadLetterView(letter);
    },
    async redrive(id) {
      return { id, jobId: (await store.redrive(id)).id };
    },
    async purge(id) {
      return { purged: await store.purge(id) };
    },
    close: () => queue.close({ timeoutMs: 0 }),
  };
}

/** A state folder where nothing was ever queued: no dead letters, and nothing created to say so. */
export function emptyEventsClient(where: string): EventsClient {
  const none = async (id: string): Promise<never> => {
    throw new DeadLetterNotFoundError(id);
  };
  return {
    where,
    live: false,
    list: async () => [],
    show: none,
    redrive: none,
    async purge(id) {
      if (id !== undefined) return none(id);
      return { purged: 0 };
    },
    close: async () => {},
  };
}
