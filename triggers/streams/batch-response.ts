/**
 * What a stream batch's invocation means for its records (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html):
 * - a function error (thrown, timed out, crashed) fails the whole batch;
 * - without `functionResponseType: ReportBatchItemFailures` anything else succeeds;
 * - with it, `{"batchItemFailures":[{"itemIdentifier":"<sequence number>"}]}` fails the batch from the LOWEST
 *   sequence number listed: Lambda checkpoints before it and retries from it. A null or empty list, an empty or
 *   null response, or a response without the key, is a complete success. An item with an empty, null or missing
 *   itemIdentifier (a bad key name), an identifier that is not a sequence number of the batch, or a response that
 *   is not a JSON object (nor null) fails the whole batch.
 */
import type { InvokeResult } from "../../runtime/invoker/invoker.js";

export type BatchVerdict =
  | { readonly kind: "success" }
  | { readonly kind: "failure"; readonly reason: string }
  /** Records before `firstFailedIndex` succeeded; the batch is retried from it. */
  | { readonly kind: "partial"; readonly firstFailedIndex: number };

/** At most this many entries are looked at: a larger list cannot name more records than a batch holds. */
const MAX_FAILURES_READ = 10_000;

export function batchVerdict(
  result: Pick<InvokeResult, "functionError" | "payload">,
  sequenceNumbers: readonly string[],
  reportBatchItemFailures: boolean,
): BatchVerdict {
  if (result.functionError !== undefined)
    return { kind: "failure", reason: "the function returned an error" };
  if (!reportBatchItemFailures) return { kind: "success" };
  const text = result.payload.toString("utf8").trim();
  if (text === "" || text === "null") return { kind: "success" };
  let response: unknown;
  try {
    response = JSON.parse(text);
  } catch {
    return { kind: "failure", reason: "the response is not JSON" };
  }
  if (typeof response !== "object" || response === null || Array.isArray(response))
    return { kind: "failure", reason: "the response is not a batchItemFailures object" };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: "success" };
  if (!Array.isArray(failures)) return { kind: "failure", reason: "batchItemFailures is not a list" };
  if (failures.length === 0) return { kind: "success" };
  if (failures.length > MAX_FAILURES_READ)
    return { kind: "failure", reason: "batchItemFailures is too long" };
  const positions = new Map(sequenceNumbers.map((sequenceNumber, index) => [sequenceNumber, index]));
  let lowest = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || id === "")
      return { kind: "failure", reason: "a batchItemFailures entry has no itemIdentifier" };
    const index = positions.get(id);
    if (index === undefined)
      return {
        kind: "failure",
        reason: `itemIdentifier ${id.slice(0, 80)} is not a sequence number of the batch`,
      };
    lowest = Math.min(lowest, index);
  }
  return { kind: "partial", firstFailedIndex: lowest };
}
