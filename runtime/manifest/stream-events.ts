/**
 * Validates a function's `stream` event when the manifest loads, so that a wrong setting is refused with its file,
 * key path and fix before anything polls (and what is not reproduced is reported): the settings both kinds share
 * (stream-event-settings.ts), then the DynamoDB (dynamodb-stream-event.ts) or Kinesis (kinesis-stream-event.ts)
 * ones. The stream pollers parse the same event again at start (triggers/streams/stream-mappings.ts).
 */
import { dynamoDbStreamSettings, isDynamoDbStreamEvent } from "./dynamodb-stream-event.js";
import { isKinesisStreamEvent, kinesisStreamSettings } from "./kinesis-stream-event.js";
import { describeValue, type KeyPath, ManifestError, type ManifestWarning } from "./manifest-error.js";
import { streamMappingSettings } from "./stream-event-settings.js";
import { isMapping } from "./variable-resolver.js";

export function validateStreamEvent(
  value: unknown,
  file: string,
  path: KeyPath,
  warnings: ManifestWarning[],
): void {
  if (isMapping(value) && value.type !== undefined && value.type !== "dynamodb" && value.type !== "kinesis") {
    throw new ManifestError(
      file,
      [...path, "type"],
      `must be dynamodb or kinesis, not ${describeValue(value.type)}`,
      "Write type: dynamodb for a table's stream, type: kinesis for a data stream",
      "LKN_ERR_MANIFEST_EVENT",
    );
  }
  streamMappingSettings(value, file, path, warnings);
  if (isKinesisStreamEvent(value)) kinesisStreamSettings(value, file, path, warnings);
  else if (isDynamoDbStreamEvent(value)) dynamoDbStreamSettings(value, file, path, warnings);
  else dynamoDbStreamSettings(value, file, path, warnings); // names what the ARN must be
}
