/**
 * What a Kinesis mapping's `filterPatterns` are matched against: the record's `kinesis` properties
 * (`partitionKey`, `sequenceNumber`, …, the "metadata properties") with `data` base64-decoded and parsed as JSON
 * (the "data properties"), https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-filtering.html and
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html#filtering-streams:
 *
 * | data        | pattern on `data` | result                                          |
 * | valid JSON  | yes               | filtered on the pattern                         |
 * | valid JSON  | no                | filtered on the metadata properties only        |
 * | not JSON    | yes               | the record is dropped (that pattern never matches) |
 * | not JSON    | no                | filtered on the metadata properties only        |
 *
 * (A pattern on `data` that is not JSON is refused when the mapping is created: the manifest loader's job.)
 * Data that is not UTF-8 (binary) is not JSON. A dropped record is still passed by the iterator (checkpointed),
 * never retried.
 */
import type { KinesisEventRecord } from "./kinesis-event.js";

export interface KinesisFilterView {
  /** The `kinesis` properties, `data` replaced by its parsed JSON, or absent when it is not JSON. */
  readonly view: Readonly<Record<string, unknown>>;
  /** Whether `data` was JSON: a pattern with a `data` key can only match when it was. */
  readonly dataIsJson: boolean;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function kinesisFilterView(record: KinesisEventRecord): KinesisFilterView {
  const { data, ...metadata } = record.kinesis;
  const parsed = parsedJson(data);
  return parsed.ok
    ? { view: { ...metadata, data: parsed.value }, dataIsJson: true }
    : { view: metadata, dataIsJson: false };
}

/** A pattern's `data` key decides whether non-JSON data can ever match it (the table above). */
export function patternCanMatch(
  pattern: Readonly<Record<string, unknown>>,
  view: KinesisFilterView,
): boolean {
  return view.dataIsJson || !Object.hasOwn(pattern, "data");
}

function parsedJson(base64: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(utf8.decode(Buffer.from(base64, "base64"))) };
  } catch {
    return { ok: false };
  }
}
