/**
 * The ioredis clients of the sync channel. Commands fail fast (no offline queue, a command timeout) so that a
 * caller is answered a ServiceException rather than held while Redis is down; the client reconnects by itself.
 * The blocking client (a worker's BRPOP) and the subscriber (a gateway's replies) wait by design: no timeout.
 */
import { Redis, type RedisOptions } from "ioredis";

const COMMAND_TIMEOUT_MS = 5_000;

const reconnect: RedisOptions = { retryStrategy: (times) => Math.min(100 * times, 2000) };

export function commandClient(url: string): Redis {
  return new Redis(url, {
    ...reconnect,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    lazyConnect: true,
  });
}

export function waitingClient(url: string): Redis {
  return new Redis(url, { ...reconnect, maxRetriesPerRequest: null, lazyConnect: true });
}

/** A URL without its password, for messages. */
export function describeUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//***@");
}
