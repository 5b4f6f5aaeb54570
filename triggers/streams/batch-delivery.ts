/**
 * Delivers one lane of a shard's records to the function, batch after batch, in order, with Lambda's stream
 * error handling (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#services-dynamodb-errors,
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-errors):
 * - a failing batch blocks its lane (its shard) until it succeeds, its records expire (maximumRecordAgeInSeconds)
 *   or it is retried out (maximumRetryAttempts; −1 = until the records expire);
 * - bisectBatchOnFunctionError splits a failing batch in two and retries each half (the split itself counts no
 *   attempt), which isolates a bad record;
 * - ReportBatchItemFailures checkpoints before the lowest failed sequence number and retries from it;
 * - a batch given up goes to onFailure (metadata only) and is checkpointed: the shard goes on after it;
 * - a refusal to run (throttled, no environment could start) is waited out and tried again without counting
 *   an attempt, as Lambda does with its own throttles;
 * - a batch whose event would pass the 6 MB synchronous payload limit is split before it is sent.
 */
import { randomUUID } from "node:crypto";
import type { InvocationRequest } from "../../runtime/invocation/invocation-request.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import { functionArn } from "../../runtime/invoker/function-arn.js";
import { MAX_SYNC_PAYLOAD_BYTES } from "../../runtime/invoker/invoke-request.js";
import type { InvokeResult } from "../../runtime/invoker/invoker.js";
import { newTraceId } from "../../runtime/invoker/trace-id.js";
import { type BatchVerdict, batchVerdict } from "./batch-response.js";
import { type LastInvocation, type StreamFailureCondition, streamFailureRecord } from "./failure-record.js";
import type { StopSignal } from "./stop-signal.js";
import type { StreamMapping } from "./stream-mapping.js";
import type { StreamReport } from "./stream-report.js";

/** Where a given-up batch's record goes: the mapping's onFailure destination (stream-destinations.ts). */
export type FailureSink = (
  mapping: StreamMapping,
  record: Readonly<Record<string, unknown>>,
) => Promise<void>;

export interface DeliveryTiming {
  /** The wait before retry n (1, 2, …) of a failed batch. */
  retryDelayMs(retry: number): number;
  /** The wait after a refusal to run (throttle): no attempt is counted. */
  readonly throttleDelayMs: number;
  /** The clock record ages are measured with (ms since the epoch). */
  now(): number;
}

export const DEFAULT_TIMING: DeliveryTiming = {
  // Lambda retries a failing stream batch with backoff; 0.5 s doubling, at most 30 s between tries.
  retryDelayMs: (retry) => Math.min(30_000, 500 * 2 ** Math.min(retry - 1, 10)),
  throttleDelayMs: 1_000,
  now: Date.now,
};

export interface LaneContext<R> {
  readonly mapping: StreamMapping<R>;
  readonly shardId: string;
  readonly invocations: Pick<Invocations, "run">;
  readonly onFailure: FailureSink | undefined;
  readonly report: (report: StreamReport) => void;
  readonly timing: DeliveryTiming;
  readonly stop: StopSignal;
  /** Records done (delivered, given up): moves the checkpoint. */
  done(records: readonly R[]): Promise<void>;
}

/** Delivers `records` in batches of the mapping's batchSize; false when stopped before they were all done. */
export async function deliverLane<R>(context: LaneContext<R>, records: readonly R[]): Promise<boolean> {
  const size = context.mapping.batchSize;
  for (let start = 0; start < records.length; start += size) {
    if (!(await deliverBatch(context, records.slice(start, start + size), 0))) return false;
  }
  return true;
}

async function deliverBatch<R>(
  context: LaneContext<R>,
  batch: readonly R[],
  attemptsSoFar: number,
): Promise<boolean> {
  const { mapping, stop, timing } = context;
  const { source, settings } = mapping;
  let pending = batch;
  let attempts = attemptsSoFar;
  let throttles = 0;
  let last: LastInvocation | undefined;
  while (pending.length > 0) {
    if (stop.stopped) return false;
    const expired = expiredPrefix(context, pending);
    if (expired.length > 0) {
      await giveUp(context, expired, "RecordAgeExceeded", attempts, last);
      pending = pending.slice(expired.length);
      continue;
    }
    const payload = Buffer.from(JSON.stringify(source.event(pending, context.shardId)));
    if (payload.length > MAX_SYNC_PAYLOAD_BYTES && pending.length > 1) {
      const half = Math.ceil(pending.length / 2);
      if (!(await deliverBatch(context, pending.slice(0, half), attempts))) return false;
      pending = pending.slice(half);
      continue;
    }
    const outcome = await invoke(context, payload, attempts + 1);
    if (outcome === undefined) {
      // Throttled, or nothing could run it: wait, without counting an attempt.
      throttles += 1;
      await stop.sleep(Math.min(timing.throttleDelayMs * throttles, 10 * timing.throttleDelayMs));
      continue;
    }
    throttles = 0;
    last = {
      requestId: outcome.result.requestId,
      ...(outcome.result.functionError ? { functionError: outcome.result.functionError } : {}),
    };
    const verdict: BatchVerdict = batchVerdict(
      outcome.result,
      pending.map((record) => source.sequenceNumber(record)),
      settings.reportBatchItemFailures,
    );
    if (verdict.kind === "success") {
      await context.done(pending);
      return true;
    }
    if (verdict.kind === "partial") {
      const succeeded = pending.slice(0, verdict.firstFailedIndex);
      if (succeeded.length > 0) await context.done(succeeded);
      pending = pending.slice(verdict.firstFailedIndex);
    } else if (settings.bisectBatchOnFunctionError && pending.length > 1) {
      const half = Math.ceil(pending.length / 2);
      if (!(await deliverBatch(context, pending.slice(0, half), attempts))) return false;
      pending = pending.slice(half);
      continue;
    }
    attempts += 1;
    if (settings.maximumRetryAttempts !== -1 && attempts > settings.maximumRetryAttempts) {
      await giveUp(context, pending, "RetryAttemptsExhausted", attempts, last);
      return true;
    }
    await stop.sleep(timing.retryDelayMs(attempts));
  }
  return true;
}

/** The records at the front of the batch older than maximumRecordAgeInSeconds (the oldest come first). */
function expiredPrefix<R>(context: LaneContext<R>, records: readonly R[]): readonly R[] {
  const maxAge = context.mapping.settings.maximumRecordAgeSeconds;
  if (maxAge === -1) return [];
  const oldest = context.timing.now() - maxAge * 1000;
  let count = 0;
  while (count < records.length && context.mapping.source.arrivalTime(records[count] as R) < oldest)
    count += 1;
  return records.slice(0, count);
}

async function invoke<R>(
  context: LaneContext<R>,
  payload: Buffer,
  attempt: number,
): Promise<{ result: InvokeResult } | undefined> {
  const request: InvocationRequest = {
    functionName: context.mapping.function.name,
    payload,
    invocationType: "RequestResponse",
    requestId: randomUUID(),
    traceId: newTraceId(),
    attempt,
    source: `stream:${context.mapping.source.streamArn}`,
  };
  try {
    const result = await context.invocations.run(request);
    return result.environmentStartFailed ? undefined : { result };
  } catch {
    return undefined; // TooManyRequestsException, ServiceException: the function did not run
  }
}

async function giveUp<R>(
  context: LaneContext<R>,
  records: readonly R[],
  condition: StreamFailureCondition,
  attempts: number,
  last: LastInvocation | undefined,
): Promise<void> {
  const { mapping, shardId } = context;
  const info = mapping.source.batchInfo(records, shardId);
  const first = mapping.source.sequenceNumber(records[0] as R);
  const lastSequence = mapping.source.sequenceNumber(records[records.length - 1] as R);
  context.report({
    code: "LKN_WRN_STREAM_BATCH_DISCARDED",
    message: `${mapping.function.name}: ${records.length} record(s) of ${shardId} (${first}…${lastSequence}) given up, ${condition === "RecordAgeExceeded" ? "older than maximumRecordAgeInSeconds" : `after ${attempts} failed attempt(s)`}${mapping.settings.onFailure ? `; sent to ${mapping.settings.onFailure.reference}` : "; no onFailure destination"}`,
  });
  if (mapping.settings.onFailure && context.onFailure) {
    const record = streamFailureRecord({
      functionArn: functionArn(mapping.function),
      condition,
      approximateInvokeCount: attempts,
      ...(last ? { last } : {}),
      batchInfo: info,
      requestId: randomUUID(),
      now: new Date(context.timing.now()),
    });
    try {
      await context.onFailure(mapping as StreamMapping, record);
    } catch (error) {
      context.report({
        code: "LKN_WRN_STREAM_ONFAILURE_UNDELIVERED",
        message: `${mapping.function.name}: the onFailure record of ${shardId} (${first}…${lastSequence}) could not be delivered to ${mapping.settings.onFailure.reference}: ${(error as Error).message}`,
      });
    }
  }
  await context.done(records);
}
