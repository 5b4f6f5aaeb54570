/**
 * The stream event source mappings the loaded functions declare (`stream` events), parsed from their events with
 * the manifest's own validators (which already refused bad ones and reported what is not reproduced when the
 * manifest loaded; runtime/manifest/stream-events.ts), grouped by kind.
 */
import { compileFilterCriteria, type FilterCriteria } from "../../runtime/event-filtering/index.js";
import {
  type DynamoDbStreamSettings,
  dynamoDbStreamSettings,
  isDynamoDbStreamEvent,
} from "../../runtime/manifest/dynamodb-stream-event.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import { isKinesisStreamEvent } from "../../runtime/manifest/kinesis-stream-event.js";
import {
  type StreamMappingSettings,
  streamMappingSettings,
} from "../../runtime/manifest/stream-event-settings.js";
import {
  type KinesisEventSourceMapping,
  kinesisEventSourceMappings,
} from "./kinesis/kinesis-event-sources.js";

export interface DeclaredDynamoDbMapping {
  readonly function: FunctionDefinition;
  readonly keyPath: string;
  readonly dynamodb: DynamoDbStreamSettings;
  readonly settings: StreamMappingSettings;
  readonly filter: FilterCriteria;
}

/** The enabled DynamoDB mappings (`enabled: false` ones are declared but not polled, as on Lambda). */
export function declaredDynamoDbMappings(
  functions: readonly FunctionDefinition[],
): DeclaredDynamoDbMapping[] {
  const found: DeclaredDynamoDbMapping[] = [];
  for (const fn of functions) {
    fn.events.forEach((entry, index) => {
      const stream = entry.stream;
      if (stream === undefined || isKinesisStreamEvent(stream) || !isDynamoDbStreamEvent(stream)) return;
      const path = ["functions", fn.key, "events", index, "stream"];
      const settings = streamMappingSettings(stream, fn.manifestPath, path, []);
      if (!settings.enabled) return;
      found.push({
        function: fn,
        keyPath: path.join("."),
        dynamodb: dynamoDbStreamSettings(stream, fn.manifestPath, path, []),
        settings,
        filter: compileFilterCriteria(settings.filterPatterns),
      });
    });
  }
  return found;
}

export interface DeclaredKinesisMapping {
  readonly kinesis: KinesisEventSourceMapping;
  readonly settings: StreamMappingSettings;
  readonly filter: FilterCriteria;
}

/** The enabled Kinesis mappings, with the settings every stream shares. */
export function declaredKinesisMappings(functions: readonly FunctionDefinition[]): DeclaredKinesisMapping[] {
  return kinesisEventSourceMappings(functions, []).flatMap((kinesis) => {
    const settings = streamMappingSettings(kinesis.event, kinesis.function.manifestPath, kinesis.keyPath, []);
    if (!settings.enabled) return [];
    return [{ kinesis, settings, filter: compileFilterCriteria(settings.filterPatterns) }];
  });
}
