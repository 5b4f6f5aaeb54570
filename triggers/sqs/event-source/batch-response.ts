/**
 * What a function's answer means for its SQS batch, with partial batch responses
 * (`functionResponseType: ReportBatchItemFailures`, https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting):
 * - an answer that is not a JSON object, or has no `batchItemFailures`, or `null` / `[]` there: the whole batch
 *   succeeded;
 * - `batchItemFailures: [{ itemIdentifier }]`: those messages failed, the others succeeded;
 * - an entry whose itemIdentifier is empty, not a string, or not a message of the batch, or a
 *   `batchItemFailures` that is not a list: Lambda treats the whole batch as failed.
 * Without ReportBatchItemFailures, any answer of a successful invocation is success for every message.
 */

export type BatchVerdict =
  | { readonly kind: "all-succeeded" }
  | { readonly kind: "all-failed"; readonly reason: string }
  | { readonly kind: "some-failed"; readonly failed: ReadonlySet<string> };

export function batchVerdict(payload: Buffer, messageIds: ReadonlySet<string>): BatchVerdict {
  let answer: unknown;
  try {
    answer = JSON.parse(payload.toString("utf8"));
  } catch {
    return { kind: "all-succeeded" };
  }
  if (typeof answer !== "object" || answer === null || Array.isArray(answer))
    return { kind: "all-succeeded" };
  const failures = (answer as Record<string, unknown>).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: "all-succeeded" };
  if (!Array.isArray(failures)) return { kind: "all-failed", reason: "batchItemFailures is not a list" };
  if (failures.length === 0) return { kind: "all-succeeded" };
  const failed = new Set<string>();
  for (const failure of failures) {
    const id =
      typeof failure === "object" && failure !== null
        ? (failure as Record<string, unknown>).itemIdentifier
        : undefined;
    if (typeof id !== "string" || id === "" || !messageIds.has(id)) {
      return {
        kind: "all-failed",
        reason: `batchItemFailures holds ${JSON.stringify(failure)?.slice(0, 200)}, which names no message of the batch`,
      };
    }
    failed.add(id);
  }
  return { kind: "some-failed", failed };
}
