/**
 * The Kinesis event source mappings a set of functions declares (`stream` events of type kinesis), each with the
 * StreamSource the shared shard poller reads it through. The settings every stream shares (batchWindow, retries,
 * bisection, destinations, filters, …) stay in `event` for the stream event module; the Kinesis ones are parsed
 * here (runtime/manifest/kinesis-stream-event.ts).
 */
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { FunctionDefinition } from "../../../runtime/manifest/function-definition.js";
import {
  isKinesisStreamEvent,
  type KinesisStreamSettings,
  kinesisStreamSettings,
} from "../../../runtime/manifest/kinesis-stream-event.js";
import { LOCAL_ACCOUNT_ID } from "../../../runtime/manifest/local-account.js";
import type { KeyPath, ManifestWarning } from "../../../runtime/manifest/manifest-error.js";
import { isMapping } from "../../../runtime/manifest/variable-resolver.js";
import { KinesisStreamSource } from "./kinesis-stream-source.js";

export interface KinesisEventSourceMapping {
  readonly function: FunctionDefinition;
  /** Where the event is: `functions.<key>.events[<i>].stream`. */
  readonly keyPath: KeyPath;
  readonly settings: KinesisStreamSettings;
  /** The event's settings as written (computed), for the settings all streams share. */
  readonly event: Readonly<Record<string, unknown>>;
}

export function kinesisEventSourceMappings(
  functions: readonly FunctionDefinition[],
  warnings: ManifestWarning[],
): KinesisEventSourceMapping[] {
  const mappings: KinesisEventSourceMapping[] = [];
  for (const fn of functions) {
    fn.events.forEach((entry, index) => {
      const stream = entry.stream;
      if (stream === undefined || !isKinesisStreamEvent(stream)) return;
      const keyPath = ["functions", fn.key, "events", index, "stream"];
      mappings.push({
        function: fn,
        keyPath,
        settings: kinesisStreamSettings(stream, fn.manifestPath, keyPath, warnings),
        event: isMapping(stream) ? stream : { arn: stream },
      });
    });
  }
  return mappings;
}

/**
 * The role Lambda names in every record's `invokeIdentityArn`: the function's execution role. Lambkin has no IAM;
 * it names the role the Serverless Framework creates for a service by default (naming.getRoleName:
 * `<service>-<stage>-<region>-lambdaRole`), in the local account.
 */
export function executionRoleArn(fn: FunctionDefinition): string {
  return `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${fn.service}-${fn.stage}-${fn.region}-lambdaRole`;
}

/** The StreamSource of one mapping, on a client for the stream's region. */
export function kinesisStreamSourceOf(
  mapping: KinesisEventSourceMapping,
  client: KinesisClient,
): KinesisStreamSource {
  return new KinesisStreamSource({
    client,
    streamName: mapping.settings.streamName,
    source: {
      streamArn: mapping.settings.streamArn,
      region: mapping.settings.region,
      invokeIdentityArn: executionRoleArn(mapping.function),
    },
  });
}
