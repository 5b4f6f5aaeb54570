/** The SqsStore port's contracts: the queue, the message, the store, the errors. */
export * from "./message-model.js";
export * from "./queue-model.js";
export * from "./sqs-errors.js";
export * from "./sqs-store.js";
