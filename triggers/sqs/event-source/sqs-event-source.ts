/**
 * One SQS event source mapping at work, as Lambda's SQS poller does it
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, services-sqs-scaling.html, services-sqs-errorhandling.html):
 * - Pollers long-poll the queue (20 s, ended at once on shutdown). A batch is what one poll brings, or — with a
 *   batching window — what arrives until batchSize messages or the window's end, and at most Lambda's 6 MB of
 *   invocation payload (a larger batch is split into invocations that fit).
 * - Messages no filter matches are deleted without invoking (event filtering: "Lambda deletes it from the queue").
 * - The function is invoked synchronously with `{Records}`. Success deletes the batch; with
 *   ReportBatchItemFailures, only the messages not reported (batch-response.ts). A function error, a timeout or a
 *   throttle deletes nothing: the messages become visible again after the queue's visibility timeout, with their
 *   receive count up, and past the redrive policy's maxReceiveCount the store moves them to the dead-letter
 *   queue. A throttled poller backs off (1 s doubling to 30 s) without dropping anything.
 * - FIFO queues: the store hands out a message group only while none of its messages is in flight; when a
 *   message of a group fails, the later messages of that group in the batch are kept too, so that the group's
 *   order holds (Lambda: "it stops processing messages after the first failure").
 * - Concurrency: `maximumConcurrency` pollers (each runs one batch at a time), else 5 — Lambda's starting
 *   number of pollers — bounded by the function's reserved concurrency, whose caps apply anyway.
 * - `enabled: false`: nothing polls. A queue that does not exist yet is waited for (and said once).
 */
import type { Logger } from "pino";
import { coded } from "../../../runtime/errors/lambkin-codes.js";
import { ServiceError } from "../../../runtime/errors/service-errors.js";
import {
  compileFilterCriteria,
  type FilterCriteria,
  sqsFilterView,
} from "../../../runtime/event-filtering/index.js";
import {
  buildInvocationRequest,
  type FunctionResolver,
} from "../../../runtime/invocation/invocation-request.js";
import type { Invocations } from "../../../runtime/invocation/invocations.js";
import { MAX_SYNC_PAYLOAD_BYTES } from "../../../runtime/invoker/invoke-request.js";
import type { SqsEventSourceMapping } from "../../../runtime/manifest/sqs-events.js";
import { isSqsError, type ReceivedMessage, type SqsStore } from "../interfaces/index.js";
import { batchVerdict } from "./batch-response.js";
import { type SqsEventRecord, sqsEventRecord } from "./sqs-event.js";

export interface SqsEventSourceOptions {
  readonly mapping: SqsEventSourceMapping;
  readonly store: SqsStore;
  readonly invocations: Invocations;
  readonly functions: FunctionResolver;
  readonly logger: Logger;
  /** Pollers when the mapping sets no maximumConcurrency (default 5). */
  readonly defaultPollers?: number;
  /** The function's reserved concurrency, which bounds the pollers. */
  readonly reservedConcurrency?: number | undefined;
}

/** Lambda starts with five pollers per SQS mapping (services-sqs-scaling.html). */
const DEFAULT_POLLERS = 5;
const LONG_POLL_SECONDS = 20;
const MAX_BACKOFF_MS = 30_000;
/** What a record adds to the payload beyond its body and attributes (JSON keys, ids, digests, ARN). */
const RECORD_OVERHEAD_BYTES = 1024;

export class SqsEventSource {
  private readonly stop = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly criteria: FilterCriteria;
  private missingQueueReported = false;

  constructor(private readonly options: SqsEventSourceOptions) {
    this.criteria = compileFilterCriteria(options.mapping.filterPatterns);
  }

  /** How many pollers run. */
  get pollers(): number {
    const { mapping, reservedConcurrency } = this.options;
    const wanted = mapping.maximumConcurrency ?? this.options.defaultPollers ?? DEFAULT_POLLERS;
    return reservedConcurrency === undefined ? wanted : Math.min(wanted, reservedConcurrency);
  }

  start(): void {
    if (!this.options.mapping.enabled) return;
    for (let index = 0; index < this.pollers; index++) this.loops.push(this.poll());
  }

  /** Stops polling (long polls end at once) and waits for the batches being run to finish. */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.all(this.loops);
  }

  private get stopped(): boolean {
    return this.stop.signal.aborted;
  }

  private async poll(): Promise<void> {
    let backoffMs = 0;
    while (!this.stopped) {
      if (backoffMs > 0) await this.sleep(backoffMs);
      try {
        const messages = await this.gather();
        if (messages.length === 0) {
          backoffMs = 0;
          continue;
        }
        const throttled = await this.process(messages);
        backoffMs = throttled ? Math.min(MAX_BACKOFF_MS, Math.max(1000, backoffMs * 2)) : 0;
      } catch (error) {
        if (this.stopped) return;
        backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(1000, backoffMs * 2));
        this.reportPollError(error);
      }
    }
  }

  /** One batch: a long poll, then — with a window — more polls until batchSize, the window's end or 6 MB. */
  private async gather(): Promise<ReceivedMessage[]> {
    const { mapping, store } = this.options;
    const batch = await store.receiveMessages(mapping.queueName, {
      maxNumberOfMessages: Math.min(10, mapping.batchSize),
      waitTimeSeconds: LONG_POLL_SECONDS,
      signal: this.stop.signal,
    });
    this.missingQueueReported = false;
    if (batch.length === 0 || mapping.maximumBatchingWindow === 0) return batch;
    const deadline = Date.now() + mapping.maximumBatchingWindow * 1000;
    let bytes = batch.reduce((sum, message) => sum + messageBytes(message), 0);
    while (batch.length < mapping.batchSize && bytes < MAX_SYNC_PAYLOAD_BYTES && !this.stopped) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) break;
      const more = await store.receiveMessages(mapping.queueName, {
        maxNumberOfMessages: Math.min(10, mapping.batchSize - batch.length),
        waitTimeSeconds: Math.min(LONG_POLL_SECONDS, Math.ceil(remainingMs / 1000)),
        signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(remainingMs)]),
      });
      batch.push(...more);
      bytes += more.reduce((sum, message) => sum + messageBytes(message), 0);
    }
    return batch;
  }

  /** Runs a batch; resolves true when the function was throttled (the poller then backs off). */
  private async process(messages: ReceivedMessage[]): Promise<boolean> {
    const { mapping } = this.options;
    const records = messages.map((message) => sqsEventRecord(message, mapping.queueArn, mapping.region));
    // One pass: a batch may hold 10,000 records, and a second filter with includes() would be quadratic.
    const passing: SqsEventRecord[] = [];
    const filteredOut: SqsEventRecord[] = [];
    for (const record of records) {
      const matches = this.criteria.matches(sqsFilterView(record as unknown as Record<string, unknown>));
      (matches ? passing : filteredOut).push(record);
    }
    await this.delete(filteredOut);
    let throttled = false;
    for (const chunk of payloadChunks(passing)) {
      const kept = await this.invoke(chunk);
      if (kept === "throttled") throttled = true;
    }
    return throttled;
  }

  /** Invokes the function with one chunk; deletes what succeeded. */
  private async invoke(records: SqsEventRecord[]): Promise<"done" | "throttled"> {
    const { mapping, invocations, functions, logger } = this.options;
    const request = buildInvocationRequest(
      functions,
      {
        reference: mapping.functionName,
        payload: JSON.stringify({ Records: records }),
        invocationType: "RequestResponse",
        source: `sqs:${mapping.queueName}`,
      },
      // The chunks fit Lambda's 6 MB; a single message over it (a 1 MiB queue limit makes that impossible)
      // would be refused here and stay in the queue until its redrive policy takes it.
      MAX_SYNC_PAYLOAD_BYTES,
    );
    let result: Awaited<ReturnType<Invocations["run"]>>;
    try {
      result = await invocations.run(request);
    } catch (error) {
      if (error instanceof ServiceError && error.errorName === "TooManyRequestsException") return "throttled";
      throw error;
    }
    if (result.functionError !== undefined) {
      logger.debug(
        { function: mapping.functionName, queue: mapping.queueName, messages: records.length },
        "SQS batch failed: its messages return to the queue after the visibility timeout",
      );
      return "done";
    }
    if (!mapping.reportBatchItemFailures) {
      await this.delete(records);
      return "done";
    }
    const verdict = batchVerdict(result.payload, new Set(records.map((record) => record.messageId)));
    if (verdict.kind === "all-succeeded") await this.delete(records);
    else if (verdict.kind === "all-failed") {
      logger.warn(
        { function: mapping.functionName, queue: mapping.queueName },
        `the partial batch response is invalid (${verdict.reason}): the whole batch failed, as Lambda treats it`,
      );
    } else await this.delete(this.succeeded(records, verdict.failed));
    return "done";
  }

  /** The records to delete: those not reported failed — and, on FIFO queues, not after a failure of their group. */
  private succeeded(records: SqsEventRecord[], failed: ReadonlySet<string>): SqsEventRecord[] {
    if (!this.options.mapping.fifo) return records.filter((record) => !failed.has(record.messageId));
    const blockedGroups = new Set<string>();
    return records.filter((record) => {
      const group = record.attributes.MessageGroupId ?? "";
      if (failed.has(record.messageId)) blockedGroups.add(group);
      return !blockedGroups.has(group);
    });
  }

  private async delete(records: readonly SqsEventRecord[]): Promise<void> {
    const { store, mapping } = this.options;
    for (let start = 0; start < records.length; start += 10) {
      const handles = records.slice(start, start + 10).map((record) => record.receiptHandle);
      await store.deleteMessages(mapping.queueName, handles);
    }
  }

  private reportPollError(error: unknown): void {
    const { mapping, logger } = this.options;
    if (isSqsError(error, "QueueDoesNotExist")) {
      if (this.missingQueueReported) return;
      this.missingQueueReported = true;
      logger.warn(
        { code: "LKN_WRN_SQS_QUEUE_MISSING", function: mapping.functionName, queue: mapping.queueName },
        coded(
          "LKN_WRN_SQS_QUEUE_MISSING",
          `the queue ${mapping.queueName} that ${mapping.functionName} polls does not exist: declare it (an AWS::SQS::Queue resource) or create it (CreateQueue); polling resumes once it exists`,
        ),
      );
      return;
    }
    logger.warn(
      {
        code: "LKN_WRN_SQS_POLL_FAILED",
        function: mapping.functionName,
        queue: mapping.queueName,
        err: error,
      },
      coded(
        "LKN_WRN_SQS_POLL_FAILED",
        `polling ${mapping.queueName} for ${mapping.functionName} failed (${(error as Error).message}); retrying`,
      ),
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.stop.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

function messageBytes(message: ReceivedMessage): number {
  return Buffer.byteLength(message.body) + RECORD_OVERHEAD_BYTES;
}

/** Splits records into invocations of at most 6 MB of payload. */
function payloadChunks(records: SqsEventRecord[]): SqsEventRecord[][] {
  const chunks: SqsEventRecord[][] = [];
  let current: SqsEventRecord[] = [];
  let bytes = 16;
  for (const record of records) {
    const size = Buffer.byteLength(JSON.stringify(record)) + 1;
    if (current.length > 0 && bytes + size > MAX_SYNC_PAYLOAD_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 16;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
