/**
 * The query protocol's flattened shapes, read back into the structures the JSON protocol sends as they are
 * (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#query-key-resolution): a flattened list
 * `AttributeName.1=…&AttributeName.2=…`, a flattened map `Attribute.1.Name=…&Attribute.1.Value=…`, a list of
 * structures `SendMessageBatchRequestEntry.1.Id=…`. Indexes start at 1 and must be contiguous (a gap ends the list,
 * as botocore never sends one); at most `maxEntries` are read, so a hostile request cannot make a list unbounded.
 */
import type { QueryParameters } from "./query-form.js";

/** A view of the parameters under `Prefix.` (`Value.StringValue` of `MessageAttribute.1.`), itself a QueryParameters. */
export function scoped(parameters: QueryParameters, prefix: string): QueryParameters {
  const view = new Map<string, string>();
  const dotted = `${prefix}.`;
  for (const [name, value] of parameters) {
    if (name.startsWith(dotted)) view.set(name.slice(dotted.length), value);
  }
  return view;
}

/** `Name.1`, `Name.2`, … */
export function flatList(
  parameters: QueryParameters,
  name: string,
  maxEntries: number,
): string[] | undefined {
  const values: string[] = [];
  for (let index = 1; index <= maxEntries + 1; index++) {
    const value = parameters.get(`${name}.${index}`);
    if (value === undefined) break;
    values.push(value);
  }
  return values.length === 0 ? undefined : values;
}

/** `Name.N.<key>` / `Name.N.<value>` pairs; the value as the scoped parameters under `Name.N.<value>`. */
export function flatMapEntries(
  parameters: QueryParameters,
  name: string,
  maxEntries: number,
  keyName = "Name",
  valueName = "Value",
): Array<{ key: string; value: QueryParameters; scalar: string | undefined }> | undefined {
  const entries: Array<{ key: string; value: QueryParameters; scalar: string | undefined }> = [];
  for (let index = 1; index <= maxEntries + 1; index++) {
    const key = parameters.get(`${name}.${index}.${keyName}`);
    if (key === undefined) break;
    entries.push({
      key,
      scalar: parameters.get(`${name}.${index}.${valueName}`),
      value: scoped(parameters, `${name}.${index}.${valueName}`),
    });
  }
  return entries.length === 0 ? undefined : entries;
}

/** A flattened map of strings: `Attribute.N.Name` → `Attribute.N.Value`. */
export function flatStringMap(
  parameters: QueryParameters,
  name: string,
  maxEntries: number,
  keyName = "Name",
  valueName = "Value",
): Record<string, string> | undefined {
  const entries = flatMapEntries(parameters, name, maxEntries, keyName, valueName);
  if (!entries) return undefined;
  const map: Record<string, string> = {};
  for (const entry of entries) map[entry.key] = entry.scalar ?? "";
  return map;
}

/** `Name.1.*`, `Name.2.*`, …: each entry's parameters, scoped. */
export function structList(
  parameters: QueryParameters,
  name: string,
  maxEntries: number,
): QueryParameters[] | undefined {
  const entries: QueryParameters[] = [];
  for (let index = 1; index <= maxEntries + 1; index++) {
    const entry = scoped(parameters, `${name}.${index}`);
    if (entry.size === 0) break;
    entries.push(entry);
  }
  return entries.length === 0 ? undefined : entries;
}
