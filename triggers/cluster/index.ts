/** The cluster's sync-invocation channel: the port and its Redis adapter. */
export * from "./interfaces/index.js";
export { type RedisSyncClientOptions, RedisSyncInvocationClient } from "./redis/redis-sync-client.js";
export { RedisSyncInvocationServer, type RedisSyncServerOptions } from "./redis/redis-sync-server.js";
export { DEFAULT_REDIS_PREFIX, syncChannelKeys } from "./redis/sync-channel-keys.js";
