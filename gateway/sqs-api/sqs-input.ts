/**
 * Reading an operation's input, whichever protocol carried it: a JSON object (JSON 1.0 protocol) or the object the
 * query protocol's parameters were read into (sqs-query-input.ts), where every scalar is a string. Wrong types and
 * missing members get SQS's MissingParameter / InvalidParameterValue, never a crash.
 */
import type { MessageAttributes, MessageAttributeValue } from "../../triggers/sqs/interfaces/index.js";
import { queueNameOfUrl } from "../../triggers/sqs/interfaces/index.js";
import { invalidAddress, invalidParameterValue, missingParameter } from "./sqs-api-errors.js";

export type Input = Readonly<Record<string, unknown>>;

export function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidParameterValue(name, value, "must be a string.");
  return value;
}

export function requiredString(input: Input, name: string): string {
  const value = optionalString(input, name);
  if (value === undefined || value === "") throw missingParameter(name);
  return value;
}

/** Integers: JSON numbers, or the query protocol's decimal strings. */
export function optionalInteger(input: Input, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === "string" && /^[+-]?\d{1,15}$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number)) {
    throw invalidParameterValue(name, value, "must be an integer.");
  }
  return number;
}

export function optionalStringList(input: Input, name: string, max: number): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw invalidParameterValue(name, value, "must be a list of strings.");
  }
  if (value.length > max)
    throw invalidParameterValue(name, `${value.length} names`, `at most ${max} are allowed.`);
  return value as string[];
}

export function optionalStringMap(
  input: Input,
  name: string,
  max: number,
): Record<string, string> | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value))
    throw invalidParameterValue(name, value, "must be a map.");
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > max)
    throw invalidParameterValue(name, `${entries.length} entries`, `at most ${max} are allowed.`);
  for (const [key, item] of entries) {
    if (typeof item !== "string") throw invalidParameterValue(`${name}.${key}`, item, "must be a string.");
  }
  return value as Record<string, string>;
}

/** Message (system) attributes: `{Name: {DataType, StringValue | BinaryValue (base64)}}`. */
export function optionalMessageAttributes(
  input: Input,
  name: string,
  max: number,
): MessageAttributes | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value))
    throw invalidParameterValue(name, value, "must be a map.");
  const entries = Object.entries(value as Record<string, unknown>);
  // Past the limit the store refuses with SQS's own message; more are not even read.
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [key, raw] of entries.slice(0, max + 1)) {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw invalidParameterValue(`${name}.${key}`, raw, "must be a message attribute value.");
    }
    const item = raw as Record<string, unknown>;
    const dataType = typeof item.DataType === "string" ? item.DataType : "";
    const attribute: { DataType: string; StringValue?: string; BinaryValue?: Uint8Array } = {
      DataType: dataType,
    };
    if (typeof item.StringValue === "string") attribute.StringValue = item.StringValue;
    if (typeof item.BinaryValue === "string")
      attribute.BinaryValue = base64(item.BinaryValue, `${name}.${key}`);
    attributes[key] = attribute;
  }
  return attributes;
}

function base64(text: string, name: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw invalidParameterValue(name, "BinaryValue", "must be base64.");
  return new Uint8Array(Buffer.from(text, "base64"));
}

/** The entries of a batch request, each an object. */
export function entryList(input: Input, name: string): Input[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidParameterValue(name, value, "must be a list.");
  for (const entry of value) {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw invalidParameterValue(name, entry, "each entry must be an object.");
    }
  }
  return value as Input[];
}

/**
 * The queue a request names: its QueueUrl, or — query clients that POST to the queue URL itself — the request's
 * path. Any URL whose path is `/<account>/<name>` names the queue `<name>`, whatever its host: the
 * `https://sqs.<region>.amazonaws.com/<account>/<name>` that `!Ref Queue` gives a handler works as it is.
 */
export function queueNameOf(input: Input, requestPath: string): string {
  const url = optionalString(input, "QueueUrl");
  if (url === undefined || url === "") {
    const fromPath = requestPath === "/" ? undefined : queueNameOfUrl(requestPath);
    if (fromPath === undefined) throw missingParameter("QueueUrl");
    return fromPath;
  }
  const name = queueNameOfUrl(url);
  if (name === undefined) throw invalidAddress(url);
  return name;
}
