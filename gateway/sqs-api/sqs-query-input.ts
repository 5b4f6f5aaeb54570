/**
 * SQS's query-protocol input (what the aws CLI 2.9 / botocore and older SDKs send: `Action=SendMessage&QueueUrl=…&
 * MessageAttribute.1.Name=…`) read back into the awsJson1_0 input object @aws-sdk/client-sqs sends for the same call,
 * so the operations are written once, against the JSON shapes.
 *
 * The member names and flattenings are the SQS service model's (botocore `data/sqs/2012-11-05/service-2.json`,
 * protocol `query`): flattened lists take their member's `locationName` (`AttributeNames` → `AttributeName.N`,
 * `Entries` → `SendMessageBatchRequestEntry.N.*`), flattened maps their member's `locationName` with `Name`/`Value`
 * (`Attributes` → `Attribute.N.Name|Value`, `tags` → `Tag.N.Key|Value`,
 * `MessageAttributes` → `MessageAttribute.N.Name` and `MessageAttribute.N.Value.{DataType,StringValue,BinaryValue}`)
 * — https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#query-key-resolution.
 *
 * Bounded: no list or map is read past its limit + 1 entries (enough for the operation to answer AWS's "too many"
 * error), whatever a hostile request holds. Integer members become numbers when they are decimal integers, else
 * stay the string sent, for the operation to refuse as it would a bad JSON value.
 */
import type { QueryParameters } from "../aws-protocols/query-form.js";
import { flatList, flatMapEntries, structList } from "../aws-protocols/query-structures.js";

/** Read limits: each is the largest count SQS accepts (+1 is read, so that "too many" can be told apart). */
const MAX_BATCH_ENTRIES = 10;
const MAX_MESSAGE_ATTRIBUTES = 10;
/** Queue attributes: SQS has 22 names; tags: 50 per call. Lists of names: the attributes SQS knows, with room. */
const MAX_QUEUE_ATTRIBUTES = 64;
const MAX_TAGS = 50;
const MAX_NAME_LIST = 64;

type Input = Record<string, unknown>;

interface MemberReaders {
  /** String members, passed as sent. */
  readonly strings?: readonly string[];
  readonly integers?: readonly string[];
  /** `Attribute.N.Name|Value` style maps of strings: [JSON member, query name, limit, key name, value name]. */
  readonly stringMaps?: ReadonlyArray<readonly [string, string, number, string?, string?]>;
  /** `MessageAttribute.N.Name` + `.Value.*` maps of MessageAttributeValue: [JSON member, query name]. */
  readonly valueMaps?: ReadonlyArray<readonly [string, string]>;
  /** Flattened lists of strings: [JSON member, query name]. */
  readonly lists?: ReadonlyArray<readonly [string, string]>;
  /** Flattened lists of structures: [JSON member, query name, the entry's readers]. */
  readonly entries?: ReadonlyArray<readonly [string, string, MemberReaders]>;
}

const SEND_FIELDS: MemberReaders = {
  strings: ["MessageBody", "MessageDeduplicationId", "MessageGroupId"],
  integers: ["DelaySeconds"],
  valueMaps: [
    ["MessageAttributes", "MessageAttribute"],
    ["MessageSystemAttributes", "MessageSystemAttribute"],
  ],
};

const RECEIPT_ENTRY: MemberReaders = { strings: ["Id", "ReceiptHandle"], integers: ["VisibilityTimeout"] };

/** Every SQS action Lambkin serves, with its members (the model's input shapes). */
export const SQS_QUERY_INPUTS: Readonly<Record<string, MemberReaders>> = {
  CreateQueue: {
    strings: ["QueueName"],
    stringMaps: [
      ["Attributes", "Attribute", MAX_QUEUE_ATTRIBUTES],
      ["tags", "Tag", MAX_TAGS, "Key", "Value"],
    ],
  },
  GetQueueUrl: { strings: ["QueueName", "QueueOwnerAWSAccountId"] },
  ListQueues: { strings: ["QueueNamePrefix", "NextToken"], integers: ["MaxResults"] },
  GetQueueAttributes: { strings: ["QueueUrl"], lists: [["AttributeNames", "AttributeName"]] },
  SetQueueAttributes: {
    strings: ["QueueUrl"],
    stringMaps: [["Attributes", "Attribute", MAX_QUEUE_ATTRIBUTES]],
  },
  SendMessage: { ...SEND_FIELDS, strings: ["QueueUrl", ...(SEND_FIELDS.strings ?? [])] },
  SendMessageBatch: {
    strings: ["QueueUrl"],
    entries: [
      [
        "Entries",
        "SendMessageBatchRequestEntry",
        { ...SEND_FIELDS, strings: ["Id", ...(SEND_FIELDS.strings ?? [])] },
      ],
    ],
  },
  ReceiveMessage: {
    strings: ["QueueUrl", "ReceiveRequestAttemptId"],
    integers: ["MaxNumberOfMessages", "VisibilityTimeout", "WaitTimeSeconds"],
    lists: [
      ["AttributeNames", "AttributeName"],
      ["MessageAttributeNames", "MessageAttributeName"],
      ["MessageSystemAttributeNames", "MessageSystemAttributeName"],
    ],
  },
  DeleteMessage: { strings: ["QueueUrl", "ReceiptHandle"] },
  DeleteMessageBatch: {
    strings: ["QueueUrl"],
    entries: [["Entries", "DeleteMessageBatchRequestEntry", { strings: ["Id", "ReceiptHandle"] }]],
  },
  ChangeMessageVisibility: { strings: ["QueueUrl", "ReceiptHandle"], integers: ["VisibilityTimeout"] },
  ChangeMessageVisibilityBatch: {
    strings: ["QueueUrl"],
    entries: [["Entries", "ChangeMessageVisibilityBatchRequestEntry", RECEIPT_ENTRY]],
  },
  PurgeQueue: { strings: ["QueueUrl"] },
  DeleteQueue: { strings: ["QueueUrl"] },
};

/** The JSON input of `action` from its query parameters; an action not in SQS_QUERY_INPUTS reads as `{}`. */
export function sqsQueryInput(action: string, parameters: QueryParameters): Input {
  const readers = SQS_QUERY_INPUTS[action];
  return readers ? readMembers(parameters, readers) : {};
}

function readMembers(parameters: QueryParameters, readers: MemberReaders): Input {
  const input: Input = {};
  for (const name of readers.strings ?? []) {
    const value = parameters.get(name);
    if (value !== undefined) input[name] = value;
  }
  for (const name of readers.integers ?? []) {
    const value = parameters.get(name);
    if (value !== undefined) input[name] = integerOrText(value);
  }
  for (const [member, queryName, limit, keyName = "Name", valueName = "Value"] of readers.stringMaps ?? []) {
    const entries = flatMapEntries(parameters, queryName, limit, keyName, valueName);
    if (!entries) continue;
    const map: Record<string, string> = {};
    for (const entry of entries) map[entry.key] = entry.scalar ?? "";
    input[member] = map;
  }
  for (const [member, queryName] of readers.valueMaps ?? []) {
    const entries = flatMapEntries(parameters, queryName, MAX_MESSAGE_ATTRIBUTES);
    if (!entries) continue;
    const map: Record<string, unknown> = {};
    for (const entry of entries) map[entry.key] = attributeValue(entry.value);
    input[member] = map;
  }
  for (const [member, queryName] of readers.lists ?? []) {
    const values = flatList(parameters, queryName, MAX_NAME_LIST);
    if (values) input[member] = values;
  }
  for (const [member, queryName, entryReaders] of readers.entries ?? []) {
    const entries = structList(parameters, queryName, MAX_BATCH_ENTRIES);
    if (entries) input[member] = entries.map((entry) => readMembers(entry, entryReaders));
  }
  return input;
}

/** A MessageAttributeValue: `DataType`, `StringValue`, `BinaryValue` (base64 text, as the JSON protocol carries it). */
function attributeValue(value: QueryParameters): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of ["DataType", "StringValue", "BinaryValue"]) {
    const member = value.get(name);
    if (member !== undefined) out[name] = member;
  }
  const strings = flatList(value, "StringListValue", MAX_NAME_LIST);
  if (strings) out.StringListValues = strings;
  const binaries = flatList(value, "BinaryListValue", MAX_NAME_LIST);
  if (binaries) out.BinaryListValues = binaries;
  return out;
}

function integerOrText(text: string): number | string {
  return /^-?[0-9]{1,15}$/.test(text) ? Number(text) : text;
}
