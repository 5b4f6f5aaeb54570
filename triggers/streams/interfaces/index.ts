/** The stream ports: the source the shard poller reads, and the store of its checkpoints and shard leases. */
export * from "./checkpoint-store.js";
export * from "./stream-errors.js";
export * from "./stream-source.js";
