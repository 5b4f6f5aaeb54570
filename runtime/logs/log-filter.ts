/**
 * `lambkin logs --filter` and `GET /_lambkin/logs?filter=`: CloudWatch Logs' filter pattern for unstructured log
 * events (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html), its term syntax:
 * - `ERROR` — events that contain the term (case-sensitive, as CloudWatch's);
 * - `ERROR Exception` — every term (AND);
 * - `"timed out"` — an exact phrase, spaces and all;
 * - `?ERROR ?WARN` — any of the `?` terms (OR);
 * - `ERROR -retry` — and not the `-` term.
 * A pattern of a single term is a plain substring match. JSON (`{ $.level = … }`) and space-delimited (`[ip, …]`)
 * patterns are not supported: they are refused (the caller says so) rather than matched as text.
 */

export type LogFilter = (message: string) => boolean;

export class LogFilterError extends Error {}

export function parseLogFilter(pattern: string | undefined): LogFilter {
  const text = (pattern ?? "").trim();
  if (text === "") return () => true;
  if (text.startsWith("{") || text.startsWith("[")) {
    throw new LogFilterError(
      'JSON ({ $.field = … }) and space-delimited ([a, b, …]) filter patterns are not supported: use terms (ERROR), phrases ("timed out"), ?any and -excluded',
    );
  }
  const required: string[] = [];
  const any: string[] = [];
  const excluded: string[] = [];
  for (const token of tokens(text)) {
    if (token.term === "") continue;
    if (token.prefix === "?") any.push(token.term);
    else if (token.prefix === "-") excluded.push(token.term);
    else required.push(token.term);
  }
  return (message) =>
    required.every((term) => message.includes(term)) &&
    !excluded.some((term) => message.includes(term)) &&
    (any.length === 0 || any.some((term) => message.includes(term)));
}

interface Token {
  /** `?` (any of), `-` (not), or none. */
  readonly prefix: "?" | "-" | "";
  readonly term: string;
}

/** Whitespace-separated terms, each maybe prefixed by `?` or `-`; a double-quoted phrase (`\"` inside) is one term. */
function tokens(text: string): Token[] {
  const found: Token[] = [];
  let index = 0;
  while (index < text.length) {
    while (index < text.length && /\s/.test(text.charAt(index))) index += 1;
    if (index >= text.length) break;
    let prefix: Token["prefix"] = "";
    const first = text.charAt(index);
    if ((first === "?" || first === "-") && index + 1 < text.length && !/\s/.test(text.charAt(index + 1))) {
      prefix = first;
      index += 1;
    }
    if (text.charAt(index) === '"') {
      let phrase = "";
      index += 1;
      while (index < text.length && text.charAt(index) !== '"') {
        if (text.charAt(index) === "\\" && index + 1 < text.length) index += 1;
        phrase += text.charAt(index);
        index += 1;
      }
      if (index >= text.length) throw new LogFilterError(`the filter pattern has an unclosed quote: ${text}`);
      index += 1;
      found.push({ prefix, term: phrase });
      continue;
    }
    const start = index;
    while (index < text.length && !/\s/.test(text.charAt(index))) index += 1;
    found.push({ prefix, term: text.slice(start, index) });
  }
  return found;
}
