/** The SqsStore port, its two adapters (embedded SQLite, Redis) and the factory choosing between them. */
export { EmbeddedSqsStore, type EmbeddedSqsStoreOptions } from "./embedded/embedded-sqs-store.js";
export * from "./interfaces/index.js";
export { openSqsStore, type SqsStoreSettings } from "./open-sqs-store.js";
export { RedisSqsStore, type RedisSqsStoreOptions } from "./redis/redis-sqs-store.js";
