/**
 * Runs one asynchronous event taken from the queue, the way Lambda's internal poller does
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html, docs/lambda-behaviour.md §5):
 * - an event older than the function's maximumEventAge is not run: it fails with `EventAgeExceeded`;
 * - a function with reserved concurrency 0 runs nothing: its events go straight to the failure path;
 * - a throttle (a concurrency cap is full) or a platform error (no environment could start, the concurrency store
 *   is unreachable) puts the event back without counting an attempt, with a growing backoff: it waits for capacity;
 * - a function error or a timeout counts an attempt; after 1 + maximumRetryAttempts attempts it fails with
 *   `RetriesExhausted`;
 * - success goes to the onSuccess destination; failure to onFailure, else to the dead-letter queue (onError),
 *   else — and whenever a destination cannot take it — it is kept as one of Lambkin's dead letters, with its payload
 *   and every attempt's error (`lambkin events`), so no event is ever lost silently.
 * A job for a function that no longer exists is dead-lettered (`FunctionNotFound`), never run or retried forever.
 */
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import { ServiceError } from "../../runtime/errors/service-errors.js";
import type { InvocationRequest } from "../../runtime/invocation/invocation-request.js";
import { functionArn } from "../../runtime/invoker/function-arn.js";
import type { InvokeResult } from "../../runtime/invoker/invoker.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import {
  type AttemptErrorInput,
  type ClaimedJob,
  type JobHandler,
  type JobOutcome,
  outcome,
} from "../queue/interfaces/job-queue.js";
import { type DestinationCondition, destinationRecord, type LastResponse } from "./destination-record.js";
import type { Destinations } from "./destinations.js";
import { fromQueuedInvocation } from "./queued-request.js";
import type { RetryPolicy } from "./retry-policy.js";

export interface AsyncInvocationHandlerOptions {
  readonly registry: FunctionRegistry;
  /** Runs one request in an environment of this process (the Invoker). */
  readonly run: (request: InvocationRequest) => Promise<InvokeResult>;
  readonly destinations: Destinations;
  readonly retries: RetryPolicy;
  readonly log: Logger;
  readonly now?: () => number;
}

/** The first 1 KB of an error message, as Lambda's DLQ `ErrorMessage` attribute. */
const DLQ_MESSAGE_BYTES = 1024;

export function asyncInvocationHandler(options: AsyncInvocationHandlerOptions): JobHandler {
  const now = options.now ?? Date.now;
  return async (job) => {
    const request = fromQueuedInvocation(job.invocation, job.attempt);
    const fn = options.registry.resolve(request.functionName);
    if (!fn) {
      const reason = `the function ${request.functionName} is not loaded (removed from serverless.yml?): the event was not run`;
      options.log.error(
        { code: "LKN_ERR_ASYNC_FUNCTION_NOT_FOUND", jobId: job.id, requestId: request.requestId },
        coded("LKN_ERR_ASYNC_FUNCTION_NOT_FOUND", reason),
      );
      return outcome.deadLetter("FunctionNotFound", reason);
    }
    const config = fn.asyncInvocation;
    const failure = new FailurePath(options, fn, job, request);
    if (now() - job.invocation.enqueuedAt > config.maximumEventAgeSeconds * 1000) {
      return failure.fail(
        "EventAgeExceeded",
        job.attempt - 1,
        `the event is older than maximumEventAge (${config.maximumEventAgeSeconds} s)`,
      );
    }
    if (fn.reservedConcurrency === 0) {
      return failure.fail(
        "RetriesExhausted",
        job.attempt - 1,
        "the function's reserved concurrency is 0: Lambda runs none of its events",
      );
    }
    let result: InvokeResult;
    try {
      result = await options.run(request);
    } catch (error) {
      // Throttles and the service's own errors do not count an attempt: the event waits for capacity.
      const postponements = job.deliveries - job.attempt + 1;
      const reason = error instanceof ServiceError ? `${error.errorName}: ${error.message}` : String(error);
      return outcome.postpone(options.retries.postponeDelayMs(postponements), reason);
    }
    if (result.environmentStartFailed) {
      const postponements = job.deliveries - job.attempt + 1;
      return outcome.postpone(
        options.retries.postponeDelayMs(postponements),
        `no environment could start: ${result.errorType}`,
      );
    }
    if (result.functionError === undefined) {
      if (config.onSuccess) {
        const record = destinationRecord({
          requestId: request.requestId,
          functionArn: functionArn(fn),
          condition: "Success",
          approximateInvokeCount: job.attempt,
          requestPayload: request.payload,
          response: { payload: result.payload },
        });
        try {
          await options.destinations.deliverRecord(fn, config.onSuccess, record);
        } catch (error) {
          options.log.warn(
            { code: "LKN_WRN_ASYNC_DESTINATION_FAILED", function: fn.name, requestId: request.requestId },
            coded(
              "LKN_WRN_ASYNC_DESTINATION_FAILED",
              `the onSuccess record could not be delivered: ${(error as Error).message}`,
            ),
          );
        }
      }
      return outcome.done();
    }
    const error = attemptErrorOf(result);
    if (job.attempt < 1 + config.maximumRetryAttempts) {
      return outcome.retry(options.retries.retryDelayMs(job.attempt), error);
    }
    return failure.fail(
      "RetriesExhausted",
      job.attempt,
      `all ${job.attempt} attempts failed`,
      { payload: result.payload, functionError: "Unhandled" },
      error,
    );
  };
}

function attemptErrorOf(result: InvokeResult): AttemptErrorInput {
  let errorMessage = "";
  try {
    const body = JSON.parse(result.payload.toString("utf8")) as { errorMessage?: unknown };
    if (typeof body.errorMessage === "string") errorMessage = body.errorMessage;
  } catch {
    errorMessage = result.payload.toString("utf8").slice(0, 4096);
  }
  return { errorType: result.errorType ?? "Unhandled", errorMessage, requestId: result.requestId };
}

/** Where a failed event goes: onFailure, else onError, else (or when those refuse) Lambkin's dead letters. */
class FailurePath {
  constructor(
    private readonly options: AsyncInvocationHandlerOptions,
    private readonly fn: FunctionDefinition,
    private readonly job: ClaimedJob,
    private readonly request: InvocationRequest,
  ) {}

  async fail(
    condition: Exclude<DestinationCondition, "Success">,
    invokeCount: number,
    reason: string,
    response?: LastResponse,
    error?: AttemptErrorInput,
  ): Promise<JobOutcome> {
    const { fn, job, request, options } = this;
    const config = fn.asyncInvocation;
    const context = { function: fn.name, requestId: request.requestId, jobId: job.id, condition };
    const refusals: string[] = [];
    if (config.onFailure) {
      const record = destinationRecord({
        requestId: request.requestId,
        functionArn: functionArn(fn),
        condition,
        approximateInvokeCount: invokeCount,
        requestPayload: request.payload,
        ...(response ? { response } : {}),
      });
      try {
        await options.destinations.deliverRecord(fn, config.onFailure, record);
        options.log.warn(
          { ...context, code: "LKN_WRN_ASYNC_EVENT_FAILED" },
          coded(
            "LKN_WRN_ASYNC_EVENT_FAILED",
            `${reason} (${condition}); its record went to the onFailure destination ${config.onFailure.reference}`,
          ),
        );
        return outcome.done();
      } catch (failure) {
        refusals.push(`onFailure: ${(failure as Error).message}`);
      }
    }
    if (config.deadLetter) {
      const lastError = error?.errorMessage ?? reason;
      try {
        await options.destinations.deliverDeadLetter(fn, config.deadLetter, {
          payload: request.payload,
          requestId: request.requestId,
          errorCode: 200,
          errorMessage: Buffer.from(lastError).subarray(0, DLQ_MESSAGE_BYTES).toString("utf8"),
        });
        options.log.warn(
          { ...context, code: "LKN_WRN_ASYNC_EVENT_FAILED" },
          coded(
            "LKN_WRN_ASYNC_EVENT_FAILED",
            `${reason} (${condition}); the event went to the dead-letter queue ${config.deadLetter.reference}`,
          ),
        );
        return outcome.done();
      } catch (failure) {
        refusals.push(`onError: ${(failure as Error).message}`);
      }
    }
    const kept = refusals.length > 0 ? `${reason}; ${refusals.join("; ")}` : reason;
    options.log.warn(
      { ...context, code: "LKN_WRN_ASYNC_EVENT_DEAD_LETTERED" },
      coded(
        "LKN_WRN_ASYNC_EVENT_DEAD_LETTERED",
        `${kept} (${condition}): kept as a dead letter — lambkin events show ${job.id}`,
      ),
    );
    return outcome.deadLetter(condition, kept, error);
  }
}
