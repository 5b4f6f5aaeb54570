/**
 * The typed errors of the JobQueue port. Each carries a code from runtime/errors/lambkin-codes.ts, so a
 * producer can answer an AWS-shaped 5xx for QueueUnavailableError and log the code, and the CLI can say
 * which state folder is locked.
 */
import { coded, type LambkinCode } from "../../../runtime/errors/lambkin-codes.js";

export class QueueError extends Error {
  readonly code: Extract<LambkinCode, `LKN_ERR_QUEUE_${string}`>;

  constructor(
    code: Extract<LambkinCode, `LKN_ERR_QUEUE_${string}`>,
    message: string,
    options?: ErrorOptions,
  ) {
    super(coded(code, message), options);
    this.code = code;
  }
}

/** The backend cannot store the job now (Redis unreachable, the state folder unwritable…): it was NOT stored. */
export class QueueUnavailableError extends QueueError {
  override readonly name = "QueueUnavailableError";
  constructor(message: string, options?: ErrorOptions) {
    super("LKN_ERR_QUEUE_UNAVAILABLE", message, options);
  }
}

/** Another process holds the embedded queue's state folder. */
export class QueueStateLockedError extends QueueError {
  override readonly name = "QueueStateLockedError";
  constructor(message: string, options?: ErrorOptions) {
    super("LKN_ERR_QUEUE_STATE_LOCKED", message, options);
  }
}

/** The job given to enqueue (or found in a dead letter to redrive) is not a valid queued invocation. */
export class InvalidJobError extends QueueError {
  override readonly name = "InvalidJobError";
  constructor(message: string) {
    super("LKN_ERR_QUEUE_JOB_INVALID", message);
  }
}

export class DeadLetterNotFoundError extends QueueError {
  override readonly name = "DeadLetterNotFoundError";
  constructor(id: string) {
    super("LKN_ERR_QUEUE_DEAD_LETTER_NOT_FOUND", `no dead letter has the id ${JSON.stringify(id)}`);
  }
}
