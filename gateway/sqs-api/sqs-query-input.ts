/**
 * The query protocol's parameters of an SQS action, read into the JSON protocol's input object, so that one
 * implementation serves both (sqs-operations.ts). The flattened names are those of the SQS query model
 * (botocore's sqs/2012-11-05/service-2.json, which the aws CLI serializes with): `Attribute.N.Name/Value` →
 * `Attributes`, `AttributeName.N` → `AttributeNames`, `MessageAttribute.N.Name` + `.Value.DataType/StringValue/
 * BinaryValue` → `MessageAttributes`, `Tag.N.Key/Value` → `tags`, `<Action>RequestEntry.N.*` → `Entries`.
 * Scalars stay strings; the operations read integers from them. Lists are read one past their maximum, so that an
 * over-long one is refused with SQS's error instead of being cut short silently.
 */
import { MESSAGE_LIMITS } from "../../triggers/sqs/interfaces/index.js";
import type { QueryParameters } from "../aws-protocols/query-form.js";
import { flatList, flatMapEntries, flatStringMap, structList } from "../aws-protocols/query-structures.js";

const MAX_NAMES = 64;
/** Parameters of the query protocol itself, not of the operation. */
const PROTOCOL_PARAMETERS = new Set(["Action", "Version"]);

const FLAT_LISTS: ReadonlyArray<readonly [string, string]> = [
  ["AttributeNames", "AttributeName"],
  ["MessageAttributeNames", "MessageAttributeName"],
  ["MessageSystemAttributeNames", "MessageSystemAttributeName"],
];
const STRING_MAPS: ReadonlyArray<readonly [string, string, string, string]> = [
  ["Attributes", "Attribute", "Name", "Value"],
  ["tags", "Tag", "Key", "Value"],
];
const ATTRIBUTE_MAPS: ReadonlyArray<readonly [string, string]> = [
  ["MessageAttributes", "MessageAttribute"],
  ["MessageSystemAttributes", "MessageSystemAttribute"],
];

export function queryInput(action: string, parameters: QueryParameters): Record<string, unknown> {
  const input = structureOf(parameters);
  const entries = structList(parameters, `${action}RequestEntry`, MESSAGE_LIMITS.maxBatchEntries);
  if (entries) input.Entries = entries.map(structureOf);
  return input;
}

function structureOf(parameters: QueryParameters): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [name, value] of parameters) {
    if (!name.includes(".") && !PROTOCOL_PARAMETERS.has(name) && !name.startsWith("X-Amz-"))
      input[name] = value;
  }
  for (const [member, flattened] of FLAT_LISTS) {
    const list = flatList(parameters, flattened, MAX_NAMES);
    if (list) input[member] = list;
  }
  for (const [member, flattened, key, value] of STRING_MAPS) {
    const map = flatStringMap(parameters, flattened, MAX_NAMES, key, value);
    if (map) input[member] = map;
  }
  for (const [member, flattened] of ATTRIBUTE_MAPS) {
    const entries = flatMapEntries(parameters, flattened, MESSAGE_LIMITS.maxMessageAttributes);
    if (!entries) continue;
    input[member] = Object.fromEntries(
      entries.map((entry) => [
        entry.key,
        Object.fromEntries(
          ["DataType", "StringValue", "BinaryValue"].flatMap((field) => {
            const value = entry.value.get(field);
            return value === undefined ? [] : [[field, value]];
          }),
        ),
      ]),
    );
  }
  return input;
}
