/**
 * SQS's query-protocol output: the awsJson1_0 output object of an operation (what @aws-sdk/client-sqs receives)
 * written as the children of `<ActionResult>`, as SQS answers the aws CLI 2.9 / botocore. Names and flattenings are
 * the SQS service model's (botocore `data/sqs/2012-11-05/service-2.json`, protocol `query`), e.g.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html#API_ReceiveMessage_Examples:
 * - lists are flattened, each member an element named by the member's `locationName`: `QueueUrls` → `<QueueUrl>`…,
 *   `Messages` → `<Message>`, a batch's `Successful` → `<SendMessageBatchResultEntry>`, `Failed` →
 *   `<BatchResultErrorEntry>`;
 * - maps are flattened `<Attribute><Name>…</Name><Value>…</Value></Attribute>` (`Attributes`) and
 *   `<MessageAttribute><Name>…</Name><Value><StringValue>…</StringValue><DataType>…</DataType></Value></MessageAttribute>`;
 * - blobs (`BinaryValue`) are base64 text; booleans `true`/`false`.
 * Text is escaped by the XML writer (a body's `\r` survives as `&#xD;`).
 */
import { element, type XmlChild, type XmlElement } from "../aws-protocols/xml-writer.js";

/** The element name of one member of each flattened list of the outputs, by the action. */
const LIST_MEMBER_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ListQueues: { QueueUrls: "QueueUrl" },
  ReceiveMessage: { Messages: "Message" },
  SendMessageBatch: { Successful: "SendMessageBatchResultEntry", Failed: "BatchResultErrorEntry" },
  DeleteMessageBatch: { Successful: "DeleteMessageBatchResultEntry", Failed: "BatchResultErrorEntry" },
  ChangeMessageVisibilityBatch: {
    Successful: "ChangeMessageVisibilityBatchResultEntry",
    Failed: "BatchResultErrorEntry",
  },
};

/** Flattened lists inside message attribute values (reserved by SQS, but in the model). */
const VALUE_LIST_MEMBER_NAMES: Readonly<Record<string, string>> = {
  StringListValues: "StringListValue",
  BinaryListValues: "BinaryListValue",
};

/** Flattened maps of the outputs: JSON member → element of one entry. */
const MAP_MEMBER_NAMES: Readonly<Record<string, string>> = {
  Attributes: "Attribute",
  MessageAttributes: "MessageAttribute",
  Tags: "Tag",
};

/** The actions whose answer has no `<ActionResult>` (the model gives them no output). */
const WITHOUT_RESULT = new Set([
  "SetQueueAttributes",
  "DeleteMessage",
  "ChangeMessageVisibility",
  "PurgeQueue",
  "DeleteQueue",
  "TagQueue",
  "UntagQueue",
]);

/**
 * The children of `<ActionResult>` for `output`; none when the action has no output (DeleteQueue, …). An action
 * with an output always gets its result element, even empty: botocore looks it up by name (a ReceiveMessage
 * without messages is `<ReceiveMessageResult/>`, as SQS answers it), so an empty one is `[undefined]`, which the
 * writer renders as an empty element.
 */
export function sqsQueryResult(action: string, output: unknown): XmlChild[] {
  if (WITHOUT_RESULT.has(action)) return [];
  const children = isObject(output) ? members(output, LIST_MEMBER_NAMES[action] ?? {}) : [];
  return children.length === 0 ? [undefined] : children;
}

function members(object: Record<string, unknown>, lists: Readonly<Record<string, string>>): XmlChild[] {
  const children: XmlChild[] = [];
  for (const [name, value] of Object.entries(object)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      const memberName = lists[name] ?? VALUE_LIST_MEMBER_NAMES[name] ?? name;
      for (const item of value) children.push(node(memberName, item, lists));
    } else if (MAP_MEMBER_NAMES[name] !== undefined && isObject(value)) {
      const entryName = MAP_MEMBER_NAMES[name] as string;
      const [keyName, valueName] = name === "Tags" ? ["Key", "Value"] : ["Name", "Value"];
      for (const [key, entry] of Object.entries(value)) {
        children.push(element(entryName, element(keyName, key), node(valueName, entry, lists)));
      }
    } else {
      children.push(node(name, value, lists));
    }
  }
  return children;
}

function node(name: string, value: unknown, lists: Readonly<Record<string, string>>): XmlElement {
  if (value instanceof Uint8Array) return element(name, Buffer.from(value).toString("base64"));
  if (isObject(value)) return element(name, ...members(value, lists));
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return element(name, String(value));
  }
  return element(name);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}
