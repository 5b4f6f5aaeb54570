/**
 * How Lambkin's BullMQ users (the job queue, the schedule runner) open their ioredis connections: a `redis://` URL
 * or ioredis options, reconnecting with a backoff capped at 2 s; and how they name a connection in messages,
 * without its password.
 */
import { Redis, type RedisOptions } from "ioredis";

export function redisClient(connection: string | RedisOptions, overrides: RedisOptions): Redis {
  const reconnect: RedisOptions = { retryStrategy: (times) => Math.min(100 * times, 2000) };
  return typeof connection === "string"
    ? new Redis(connection, { ...reconnect, ...overrides })
    : new Redis({ ...reconnect, ...connection, ...overrides });
}

export function describeConnection(connection: string | RedisOptions): string {
  if (typeof connection === "string") return connection.replace(/\/\/[^@/]*@/, "//***@");
  return `${connection.host ?? "127.0.0.1"}:${connection.port ?? 6379}`;
}
