/**
 * The SQS operations, protocol-independent: each takes the input object (JSON member names, as
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html documents them) and
 * answers the output object; the JSON protocol sends it as it is, the query protocol as XML (sqs-query-output.ts).
 * What SQS checks about a queue or a message the store checks (triggers/sqs/); this layer checks what only exists
 * on the wire — parameter types, queue URLs, batch entry ids — and adds the MD5 digests (message-md5.ts).
 */
import {
  MESSAGE_LIMITS,
  type MessageAttributes,
  READ_ONLY_QUEUE_ATTRIBUTES,
  type ReceiptEntryResult,
  type ReceivedMessage,
  SETTABLE_QUEUE_ATTRIBUTES,
  type SendMessageEntry,
  type SendResult,
  type SqsError,
  type SqsQueue,
  type SqsStore,
} from "../../triggers/sqs/interfaces/index.js";
import type { AwsCall } from "../aws-protocols/aws-service-plugin.js";
import { md5OfAttributes, md5OfBody } from "./message-md5.js";
import {
  batchEntryIdsNotDistinct,
  emptyBatchRequest,
  invalidAttributeName,
  invalidBatchEntryId,
  missingParameter,
  tooManyEntriesInBatchRequest,
} from "./sqs-api-errors.js";
import {
  entryList,
  type Input,
  optionalInteger,
  optionalMessageAttributes,
  optionalString,
  optionalStringList,
  optionalStringMap,
  queueNameOf,
  requiredString,
} from "./sqs-input.js";

export type SqsOperation = (store: SqsStore, input: Input, call: AwsCall) => Promise<Record<string, unknown>>;

/** Queue attributes a request may name: more are refused before the store sees them. */
const MAX_QUEUE_ATTRIBUTES = 64;
const QUEUE_ATTRIBUTE_NAMES = new Set<string>([...SETTABLE_QUEUE_ATTRIBUTES, ...READ_ONLY_QUEUE_ATTRIBUTES]);
/** https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html (MessageSystemAttributeNames) */
const MESSAGE_SYSTEM_ATTRIBUTE_NAMES = new Set([
  "SenderId",
  "SentTimestamp",
  "ApproximateReceiveCount",
  "ApproximateFirstReceiveTimestamp",
  "SequenceNumber",
  "MessageDeduplicationId",
  "MessageGroupId",
  "AWSTraceHeader",
  "DeadLetterQueueSourceArn",
]);
/** "Can contain alphanumeric characters, hyphens (-), and underscores (_)", up to 80 (API_SendMessageBatchRequestEntry). */
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

function queueUrl(call: AwsCall, queue: SqsQueue): string {
  return `http://${call.host}${queue.urlPath}`;
}

const createQueue: SqsOperation = async (store, input, call) => {
  const name = requiredString(input, "QueueName");
  const attributes = optionalStringMap(input, "Attributes", MAX_QUEUE_ATTRIBUTES);
  optionalStringMap(input, "tags", 50);
  const queue = await store.createQueue(name, attributes ?? {});
  return { QueueUrl: queueUrl(call, queue) };
};

const getQueueUrl: SqsOperation = async (store, input, call) => {
  const queue = await store.getQueue(requiredString(input, "QueueName"));
  return { QueueUrl: queueUrl(call, queue) };
};

const listQueues: SqsOperation = async (store, input, call) => {
  const prefix = optionalString(input, "QueueNamePrefix");
  const maxResults = optionalInteger(input, "MaxResults");
  const nextToken = optionalString(input, "NextToken");
  const page = await store.listQueues({
    ...(prefix === undefined ? {} : { prefix }),
    ...(maxResults === undefined ? {} : { maxResults }),
    ...(nextToken === undefined ? {} : { nextToken }),
  });
  return {
    ...(page.queues.length === 0 ? {} : { QueueUrls: page.queues.map((queue) => queueUrl(call, queue)) }),
    ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
  };
};

const getQueueAttributes: SqsOperation = async (store, input, call) => {
  const name = queueNameOf(input, call.path);
  const names = optionalStringList(input, "AttributeNames", MAX_QUEUE_ATTRIBUTES) ?? [];
  for (const attribute of names) {
    if (attribute !== "All" && !QUEUE_ATTRIBUTE_NAMES.has(attribute)) throw invalidAttributeName(attribute);
  }
  const all = await store.getQueueAttributes(name);
  if (names.length === 0) return {};
  const wanted = names.includes("All") ? Object.keys(all) : names;
  const attributes: Record<string, string> = {};
  for (const attribute of wanted) {
    const value = all[attribute];
    if (value !== undefined) attributes[attribute] = value;
  }
  return Object.keys(attributes).length === 0 ? {} : { Attributes: attributes };
};

const setQueueAttributes: SqsOperation = async (store, input, call) => {
  const name = queueNameOf(input, call.path);
  const attributes = optionalStringMap(input, "Attributes", MAX_QUEUE_ATTRIBUTES);
  if (attributes === undefined) throw invalidAttributeName("(none): the request must contain Attributes");
  await store.setQueueAttributes(name, attributes);
  return {};
};

function sendEntry(input: Input): SendMessageEntry {
  const delaySeconds = optionalInteger(input, "DelaySeconds");
  const messageAttributes = optionalMessageAttributes(
    input,
    "MessageAttributes",
    MESSAGE_LIMITS.maxMessageAttributes,
  );
  const systemAttributes = optionalMessageAttributes(
    input,
    "MessageSystemAttributes",
    MESSAGE_LIMITS.maxMessageAttributes,
  );
  const groupId = optionalString(input, "MessageGroupId");
  const deduplicationId = optionalString(input, "MessageDeduplicationId");
  const body = input.MessageBody;
  return {
    body: body as string, // the store refuses a missing or non-string body with MissingParameter
    ...(delaySeconds === undefined ? {} : { delaySeconds }),
    ...(messageAttributes === undefined ? {} : { messageAttributes }),
    ...(systemAttributes === undefined ? {} : { messageSystemAttributes: systemAttributes }),
    ...(groupId === undefined ? {} : { messageGroupId: groupId }),
    ...(deduplicationId === undefined ? {} : { messageDeduplicationId: deduplicationId }),
  };
}

/** The digests answered for a sent message: of what the client sent, which is what its SDK checks. */
function sentDigests(entry: SendMessageEntry): Record<string, string> {
  const attributes = md5OfAttributes(entry.messageAttributes);
  const system = md5OfAttributes(entry.messageSystemAttributes);
  return {
    MD5OfMessageBody: md5OfBody(typeof entry.body === "string" ? entry.body : ""),
    ...(attributes === undefined ? {} : { MD5OfMessageAttributes: attributes }),
    ...(system === undefined ? {} : { MD5OfMessageSystemAttributes: system }),
  };
}

function sentFields(result: SendResult & { ok: true }): Record<string, string> {
  return {
    MessageId: result.messageId,
    ...(result.sequenceNumber === undefined ? {} : { SequenceNumber: result.sequenceNumber }),
  };
}

const sendMessage: SqsOperation = async (store, input, call) => {
  const name = queueNameOf(input, call.path);
  const entry = sendEntry(input);
  const [result] = await store.sendMessages(name, [entry]);
  if (!result) throw new Error("the store answered no result for the message");
  if (!result.ok) throw result.error;
  return { ...sentDigests(entry), ...sentFields(result) };
};

/** 1–10 entries with distinct, well-formed ids: else the whole batch is refused, as SQS does. */
function checkBatch(entries: Input[] | undefined, entryName: string): Array<{ id: string; entry: Input }> {
  if (entries === undefined || entries.length === 0) throw emptyBatchRequest(entryName);
  if (entries.length > MESSAGE_LIMITS.maxBatchEntries) {
    throw tooManyEntriesInBatchRequest(entries.length, MESSAGE_LIMITS.maxBatchEntries);
  }
  const seen = new Set<string>();
  return entries.map((entry) => {
    const id = requiredString(entry, "Id");
    if (!BATCH_ENTRY_ID.test(id)) throw invalidBatchEntryId();
    if (seen.has(id)) throw batchEntryIdsNotDistinct(id);
    seen.add(id);
    return { id, entry };
  });
}

function failedEntry(id: string, error: SqsError | undefined): Record<string, unknown> {
  return {
    Id: id,
    SenderFault: error?.shape.senderFault ?? false,
    Code: error?.shape.queryCode ?? "InternalError",
    Message: error?.message ?? "The entry could not be processed.",
  };
}

function batchOutput<T>(
  ids: readonly { id: string }[],
  results: readonly T[],
  succeeded: (result: T, index: number) => Record<string, unknown> | undefined,
  error: (result: T | undefined) => SqsError | undefined,
): Record<string, unknown> {
  const successful: Record<string, unknown>[] = [];
  const failed: Record<string, unknown>[] = [];
  ids.forEach(({ id }, index) => {
    const result = results[index];
    const ok = result === undefined ? undefined : succeeded(result, index);
    if (ok) successful.push({ Id: id, ...ok });
    else failed.push(failedEntry(id, error(result)));
  });
  return { Successful: successful, Failed: failed };
}

const sendMessageBatch: SqsOperation = async (store, input, call) => {
  const name = queueNameOf(input, call.path);
  const batch = checkBatch(entryList(input, "Entries"), "SendMessageBatchRequestEntry");
  const entries = batch.map(({ entry }) => sendEntry(entry));
  const results = await store.sendMessages(name, entries);
  return batchOutput(
    batch,
    results,
    (result, index) =>
      result.ok ? { ...sentFields(result), ...sentDigests(entries[index] as SendMessageEntry) } : undefined,
    (result) => (result && !result.ok ? result.error : undefined),
  );
};

/** `All`, `.*`, a name, or a prefix `name.*` (API_ReceiveMessage MessageAttributeNames). */
function selectMessageAttributes(attributes: MessageAttributes, names: readonly string[]): MessageAttributes {
  if (names.length === 0) return {};
  if (names.includes("All") || names.includes(".*")) return attributes;
  const selected: Record<string, MessageAttributes[string]> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const wanted = names.some((pattern) =>
      pattern.endsWith(".*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name,
    );
    if (wanted && value) selected[name] = value;
  }
  return selected;
}

function wireAttributeValue(value: MessageAttributes[string]) {
  return value?.BinaryValue !== undefined && value.DataType.startsWith("Binary")
    ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue).toString("base64") }
    : { DataType: value?.DataType ?? "String", StringValue: value?.StringValue ?? "" };
}

function receivedMessage(
  message: ReceivedMessage,
  systemNames: readonly string[],
  attributeNames: readonly string[],
): Record<string, unknown> {
  const all = systemNames.includes("All");
  const system: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.attributes)) {
    if (typeof value === "string" && (all || systemNames.includes(name))) system[name] = value;
  }
  const traceHeader = message.messageSystemAttributes.AWSTraceHeader?.StringValue;
  if (traceHeader !== undefined && (all || systemNames.includes("AWSTraceHeader")))
    system.AWSTraceHeader = traceHeader;
  const selected = selectMessageAttributes(message.messageAttributes, attributeNames);
  const md5 = md5OfAttributes(selected);
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: md5OfBody(message.body),
    Body: message.body,
    ...(Object.keys(system).length === 0 ? {} : { Attributes: system }),
    ...(md5 === undefined
      ? {}
      : {
          MD5OfMessageAttributes: md5,
          MessageAttributes: Object.fromEntries(
            Object.entries(selected).map(([name, value]) => [name, wireAttributeValue(value)]),
          ),
        }),
  };
}

const receiveMessage: SqsOperation = async (store, input, call) => {
  const name = queueNameOf(input, call.path);
  const systemNames = [
    ...(optionalStringList(input, "AttributeNames", 16) ?? []),
    ...(optionalStringList(input, "MessageSystemAttributeNames", 16) ?? []),
  ];
  for (const attribute of systemNames) {
    if (attribute !== "All" && !MESSAGE_SYSTEM_ATTRIBUTE_NAMES.has(attribute))
      throw invalidAttributeName(attribute);
  }
  const attributeNames = optionalStringList(input, "MessageAttributeNames", 16) ?? [];
  const maxNumberOfMessages = optionalInteger(input, "MaxNumberOfMessages");
  const visibilityTimeout = optionalInteger(input, "VisibilityTimeout");
  const waitTimeSeconds = optionalInteger(input, "WaitTimeSeconds");
  const messages = await store.receiveMessages(name, {
    ...(maxNumberOfMessages === undefined ? {} : { maxNumberOfMessages }),
    ...(visibilityTimeout === undefined ? {} : { visibilityTimeout }),
    ...(waitTimeSeconds === undefined ? {} : { waitTimeSeconds }),
    signal: call.signal,
  });
  if (messages.length === 0) return {};
  return { Messages: messages.map((message) => receivedMessage(message, systemNames, attributeNames)) };
};

const deleteMessage: SqsOperation = async (store, input, call) => {
  const name = queueNameOf(input, call.path);
  await store.deleteMessage(name, requiredString(input, "ReceiptHandle"));
  return {};
};

function receiptOutput(batch: readonly { id: string }[], results: readonly ReceiptEntryResult[]) {
  return batchOutput(
    batch,
    results,
    (result) => (result.ok ? {} : undefined),
    (result) => result?.error,
  );
}

const deleteMessageBatch: SqsOperation = async (store, input, call) => {
  const name = queueNameOf(input, call.path);
  const batch = checkBatch(entryList(input, "Entries"), "DeleteMessageBatchRequestEntry");
  const handles = batch.map(({ entry }) => requiredString(entry, "ReceiptHandle"));
  return receiptOutput(batch, await store.deleteMessages(name, handles));
};

const changeMessageVisibility: SqsOperation = async (store, input, call) => {
  const name = queueNameOf(input, call.path);
  const receiptHandle = requiredString(input, "ReceiptHandle");
  const visibilityTimeout = optionalInteger(input, "VisibilityTimeout");
  if (visibilityTimeout === undefined) throw missingVisibilityTimeout();
  await store.changeMessageVisibility(name, { receiptHandle, visibilityTimeout });
  return {};
};

const changeMessageVisibilityBatch: SqsOperation = async (store, input, call) => {
  const name = queueNameOf(input, call.path);
  const batch = checkBatch(entryList(input, "Entries"), "ChangeMessageVisibilityBatchRequestEntry");
  const changes = batch.map(({ entry }) => {
    const visibilityTimeout = optionalInteger(entry, "VisibilityTimeout");
    if (visibilityTimeout === undefined) throw missingVisibilityTimeout();
    return { receiptHandle: requiredString(entry, "ReceiptHandle"), visibilityTimeout };
  });
  return receiptOutput(batch, await store.changeMessageVisibilities(name, changes));
};

const purgeQueue: SqsOperation = async (store, input, call) => {
  await store.purgeQueue(queueNameOf(input, call.path));
  return {};
};

const deleteQueue: SqsOperation = async (store, input, call) => {
  await store.deleteQueue(queueNameOf(input, call.path));
  return {};
};

function missingVisibilityTimeout() {
  return missingParameter("VisibilityTimeout");
}

export const SQS_OPERATIONS: ReadonlyMap<string, SqsOperation> = new Map([
  ["CreateQueue", createQueue],
  ["GetQueueUrl", getQueueUrl],
  ["ListQueues", listQueues],
  ["GetQueueAttributes", getQueueAttributes],
  ["SetQueueAttributes", setQueueAttributes],
  ["SendMessage", sendMessage],
  ["SendMessageBatch", sendMessageBatch],
  ["ReceiveMessage", receiveMessage],
  ["DeleteMessage", deleteMessage],
  ["DeleteMessageBatch", deleteMessageBatch],
  ["ChangeMessageVisibility", changeMessageVisibility],
  ["ChangeMessageVisibilityBatch", changeMessageVisibilityBatch],
  ["PurgeQueue", purgeQueue],
  ["DeleteQueue", deleteQueue],
]);
