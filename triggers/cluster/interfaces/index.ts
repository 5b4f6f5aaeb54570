/** The sync-invocation channel port: its client and server sides, its messages and its deadline. */
export * from "./sync-channel.js";
export * from "./sync-deadline.js";
export * from "./sync-envelope.js";
