/**
 * The JSONPath subset EventBridge evaluates in a target's InputPath and in an input transformer's InputPathsMap:
 * `$`, dot notation with names of letters, digits, `_`, `-` and `/`, array indices `[n]` and wildcards (`.*`,
 * `[*]`) — https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html. Parsing is
 * here, pure, so that the manifest loader refuses a path EventBridge would not evaluate; triggers/schedule/
 * evaluates the parsed path against an event.
 */

export type JsonPathSegment =
  | { readonly kind: "key"; readonly key: string }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "wildcard" };

/** The parsed path, or a sentence saying what is wrong with it. */
export function parseEventJsonPath(path: string): JsonPathSegment[] | string {
  if (!path.startsWith("$")) return `"${path}" does not start with $`;
  const segments: JsonPathSegment[] = [];
  const pattern = /\.([A-Za-z0-9_\-/]+)|\.\*|\[(\d+)\]|\[\*\]/y;
  let at = 1;
  while (at < path.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(path);
    if (!match) {
      return `"${path}" has "${path.slice(at)}" where EventBridge expects .name, [index] or a wildcard (.* or [*])`;
    }
    if (match[1] !== undefined) segments.push({ kind: "key", key: match[1] });
    else if (match[2] !== undefined) segments.push({ kind: "index", index: Number(match[2]) });
    else segments.push({ kind: "wildcard" });
    at = pattern.lastIndex;
  }
  return segments;
}
