/** The SnsStore port's contracts: topics, subscriptions, the store, the errors. */
export * from "./sns-errors.js";
export * from "./sns-store.js";
export * from "./topic-model.js";
