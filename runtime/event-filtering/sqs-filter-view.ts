/**
 * What an SQS mapping's `filterPatterns` are matched against: the record as the function would receive it, with
 * `body` parsed when it is JSON (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html):
 *
 * | body        | pattern on `body`        | result                                   |
 * | valid JSON  | a JSON pattern           | filtered on the pattern                  |
 * | not JSON    | a plain-string pattern   | filtered on the string                   |
 * | not JSON    | a JSON (object) pattern  | the message is dropped (never matches)   |
 * | valid JSON  | a plain-string pattern   | the message is dropped (never matches)   |
 *
 * Leaving `body` as text when it is not JSON gives exactly that table: an object pattern cannot match a string,
 * and a string pattern cannot match an object. A message no filter matches is deleted from the queue, not
 * retried (the same page).
 */
export function sqsFilterView(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const body = record.body;
  if (typeof body !== "string") return { ...record };
  try {
    const parsed: unknown = JSON.parse(body);
    // A JSON string or number is still "a plain string" to the filter: only objects and arrays are structure.
    return typeof parsed === "object" && parsed !== null ? { ...record, body: parsed } : { ...record };
  } catch {
    return { ...record };
  }
}
