/**
 * Creates the `AWS::SQS::Queue` resources services declare, at start, idempotently — as a deploy would
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html). Properties
 * become CreateQueue attributes (numbers and booleans as the strings SQS takes, RedrivePolicy and
 * RedriveAllowPolicy as JSON); a queue that exists already gets the declared attributes set (a redeploy updates
 * it; FifoQueue cannot change, as in CloudFormation, where it means a replacement). Queues without a redrive
 * policy are created first, so that a dead-letter queue exists before the queue that names it. A property Lambkin
 * does not reproduce (Tags) is a warning; a value SQS refuses stops the start with the file and key path, as a
 * failed deploy would.
 */
import type { Logger } from "pino";
import {
  formatWarning,
  ManifestError,
  manifestWarning,
  warningLogFields,
} from "../../../runtime/manifest/manifest-error.js";
import type { ServiceResource } from "../../../runtime/manifest/service-resources.js";
import { isSqsError, SqsError, type SqsStore } from "../interfaces/index.js";

const JSON_PROPERTIES = new Set(["RedrivePolicy", "RedriveAllowPolicy"]);
const IGNORED_PROPERTIES = new Set(["QueueName", "Tags"]);

export async function createDeclaredQueues(
  store: SqsStore,
  resources: readonly ServiceResource[],
  logger: Logger,
): Promise<number> {
  const queues = resources.filter((resource) => resource.type === "AWS::SQS::Queue");
  const ordered = [
    ...queues.filter((queue) => queue.properties.RedrivePolicy === undefined),
    ...queues.filter((queue) => queue.properties.RedrivePolicy !== undefined),
  ];
  for (const queue of ordered) await createQueue(store, queue, logger);
  return ordered.length;
}

async function createQueue(store: SqsStore, queue: ServiceResource, logger: Logger): Promise<void> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(queue.properties)) {
    if (name === "Tags") {
      const warning = manifestWarning(
        queue.manifestPath,
        [...queue.keyPath, "Properties", name],
        "queue tags are not kept: Lambkin's SQS has no tagging",
      );
      logger.warn(warningLogFields(warning), formatWarning(warning));
    }
    if (IGNORED_PROPERTIES.has(name)) continue;
    attributes[name] =
      JSON_PROPERTIES.has(name) && typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  try {
    await store.createQueue(queue.name, attributes);
  } catch (error) {
    if (isSqsError(error, "QueueAlreadyExists")) {
      const { FifoQueue: _fifo, ...changeable } = attributes;
      await store.setQueueAttributes(queue.name, changeable).catch((cause) => {
        throw refused(queue, cause);
      });
      return;
    }
    throw refused(queue, error);
  }
}

function refused(queue: ServiceResource, error: unknown): unknown {
  if (!(error instanceof SqsError) || error.kind === "ServiceUnavailable") return error;
  return new ManifestError(
    queue.manifestPath,
    [...queue.keyPath, "Properties"],
    `SQS refuses the queue ${queue.name}: ${error.message}`,
    "Correct the property (see CreateQueue's attributes)",
  );
}
