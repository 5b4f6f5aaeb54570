/**
 * The function log sink of the JSON log format (`--log-format json`, `LAMBKIN_LOG_FORMAT=json`, what a worker in a
 * container or under a supervisor usually writes): every line of an environment, and each invocation's summary, as
 * the very JSON line that pinoFunctionLogSink's record of it becomes through the CLI's logger (createLogger: no
 * `base`, an epoch `time`), built directly and written to the logger's own output. A busy worker writes four such
 * records per event (START, END, REPORT, the summary); through pino — an object spread per record, then its
 * generic serializer walking the keys — they were the largest share of the worker's own work on the event path
 * after BullMQ's. Key order, escaping and omitted `undefined`s are pino's (test/cli/json-function-log-sink.test.ts
 * compares the two byte for byte), but for a lone surrogate in a line: JSON.stringify escapes it (`\ud800`), so
 * the record reads back as what the function printed, where pino writes it raw and the output's UTF-8 turns it
 * into U+FFFD.
 */
import { type FunctionLogSink, silentFunctionLogSink } from "../runtime/logs/function-log-sink.js";
import { summaryText } from "../runtime/logs/invocation-summary.js";
import type { TextOutput } from "./batched-output.js";

/** pino's number for `info`, the level of every function record. */
const INFO = 30;

export interface JsonFunctionLogOptions {
  /** False when the logger's level is above `info` (LAMBKIN_LOG_LEVEL=warn): the lines are info records. */
  readonly enabled: boolean;
  /** The record's `time` (pino's epochTime); a test fixes it. */
  readonly now?: () => number;
}

export function jsonFunctionLogSink(output: TextOutput, options: JsonFunctionLogOptions): FunctionLogSink {
  if (!options.enabled) return silentFunctionLogSink;
  const now = options.now ?? Date.now;
  const start = () => `{"level":${INFO},"time":${now()}`;
  return {
    line(functionName, requestId, text, stream = "platform", _logStream, fields) {
      let record = `${start()},"fn":${JSON.stringify(functionName)}`;
      if (requestId !== undefined) record += `,"requestId":${JSON.stringify(requestId)}`;
      record += `,"stream":"${stream}"`;
      if (fields) record += otherFields(fields);
      output.write(`${record},"msg":${JSON.stringify(text)}}\n`);
    },
    invocation(summary) {
      let record = `${start()},"fn":${JSON.stringify(summary.functionName)}`;
      record += `,"requestId":${JSON.stringify(summary.requestId)},"event":"invocation"`;
      record += otherFields(summary, SUMMARY_KEYS_ELSEWHERE);
      output.write(`${record},"msg":${JSON.stringify(summaryText(summary))}}\n`);
    },
  };
}

/** The summary's keys that the record carries under other names, or first. */
const SUMMARY_KEYS_ELSEWHERE = new Set(["functionName", "requestId"]);

/** `,"key":value` for each own key in order, `undefined`s left out, as pino's asJson writes a record's fields. */
function otherFields(fields: object, skip?: ReadonlySet<string>): string {
  let text = "";
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || typeof value === "function" || skip?.has(key)) continue;
    text += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  return text;
}
