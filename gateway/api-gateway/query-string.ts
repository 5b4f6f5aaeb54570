/**
 * Query strings as API Gateway passes them: parameters decoded (`%2B` → `+`, `+` → space), in order, duplicates
 * kept — a single-value map keeps the last value (payload 1.0 `queryStringParameters`), the multi-value map all
 * of them, and payload 2.0 joins them with commas ("http-api-develop-integrations-lambda").
 * A parameter without `=` has the empty value.
 */

export function queryPairs(rawQueryString: string): [string, string][] {
  if (rawQueryString === "") return [];
  const pairs: [string, string][] = [];
  for (const part of rawQueryString.split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    const key = equals < 0 ? part : part.slice(0, equals);
    const value = equals < 0 ? "" : part.slice(equals + 1);
    pairs.push([decodeComponent(key), decodeComponent(value)]);
  }
  return pairs;
}

function decodeComponent(text: string): string {
  const spaced = text.replace(/\+/g, " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
