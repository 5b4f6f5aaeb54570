/**
 * Evaluates EventBridge's JSONPath subset (parsed by runtime/manifest/event-json-path.ts) against an event: a
 * path without wildcards selects one value (undefined when it is absent); a path with a wildcard selects the list
 * of every match, as JSONPath does.
 */
import { parseEventJsonPath } from "../../runtime/manifest/event-json-path.js";

export function selectJsonPath(document: unknown, path: string): unknown {
  const segments = parseEventJsonPath(path);
  // The manifest loader refused invalid paths; one reaching here is a programming error.
  if (typeof segments === "string") throw new Error(`invalid JSONPath: ${segments}`);
  let matches: unknown[] = [document];
  let many = false;
  for (const segment of segments) {
    const next: unknown[] = [];
    for (const value of matches) {
      if (segment.kind === "key") {
        if (isObject(value) && Object.hasOwn(value, segment.key)) next.push(value[segment.key]);
      } else if (segment.kind === "index") {
        if (Array.isArray(value) && segment.index < value.length) next.push(value[segment.index]);
      } else {
        many = true;
        if (Array.isArray(value)) next.push(...value);
        else if (isObject(value)) next.push(...Object.values(value));
      }
    }
    matches = next;
  }
  return many ? matches : matches[0];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
