/**
 * An event's `filterPatterns` (sqs and stream events: https://www.serverless.com/framework/docs/providers/aws/events/sqs,
 * …/events/streams), compiled when the manifest loads with Lambda's event filtering (runtime/event-filtering/),
 * so that a pattern CreateEventSourceMapping would refuse is refused at start with the file and the key path
 * of the faulty filter (`functions.worker.events[0].sqs.filterPatterns[1]`) — never a mapping that silently
 * passes or drops everything.
 */
import {
  compileFilterCriteria,
  type FilterCriteria,
  FilterPatternError,
} from "../event-filtering/filter-criteria.js";
import type { FunctionDefinition } from "./function-definition.js";
import { type KeyPath, ManifestError } from "./manifest-error.js";
import { isMapping } from "./variable-resolver.js";

/** The event types whose mappings take `filterPatterns` (the Framework's sqs, stream, msk, kafka, activemq, rabbitmq). */
const FILTERED_EVENT_TYPES = ["sqs", "stream", "msk", "kafka", "activemq", "rabbitmq"] as const;

/**
 * Checks every event's `filterPatterns` when the manifest loads, whichever trigger later reads the event, so that
 * a pattern Lambda would refuse never starts (throws ManifestError at the faulty filter).
 */
export function checkFilterPatterns(functions: readonly FunctionDefinition[]): void {
  for (const fn of functions) {
    fn.events.forEach((entry, index) => {
      for (const type of FILTERED_EVENT_TYPES) {
        const settings = entry[type];
        if (!isMapping(settings) || !Object.hasOwn(settings, "filterPatterns")) continue;
        manifestFilterCriteria(settings.filterPatterns, fn.manifestPath, [
          "functions",
          fn.key,
          "events",
          index,
          type,
          "filterPatterns",
        ]);
      }
    });
  }
}

/**
 * @param written the event's `filterPatterns` value (undefined: no filtering)
 * @param path the key path of `filterPatterns` itself
 */
export function manifestFilterCriteria(
  written: unknown,
  file: string,
  path: KeyPath,
  options: { readonly maxFilters?: number } = {},
): FilterCriteria {
  try {
    return compileFilterCriteria(written, options);
  } catch (error) {
    if (!(error instanceof FilterPatternError)) throw error;
    throw new ManifestError(
      file,
      error.filterIndex === undefined ? path : [...path, error.filterIndex],
      error.message,
      "Write each filter as Lambda's event filtering takes it, e.g. filterPatterns: [{ body: { status: [paid] } }] (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html)",
      "LKN_ERR_MANIFEST_EVENT",
    );
  }
}
