/**
 * Reading the header maps of a proxy response. Values may be strings, numbers or booleans (sent as text); a
 * null value sends nothing — and a `Content-Type: null` keeps API Gateway from adding its default one, which
 * is how .NET's APIGatewayProxyFunction suppresses it (aws/aws-sam-cli#1218). Anything else makes the response
 * malformed. Hop-by-hop and length headers are the gateway's own business and are dropped.
 */

export type HeaderLines = [string, string][];

const GATEWAY_OWNED = new Set(["content-length", "transfer-encoding", "connection", "keep-alive"]);

export interface ReadHeaders {
  readonly lines: HeaderLines;
  /** Names (lower-case) the function mentioned, even with a null value. */
  readonly mentioned: Set<string>;
}

/** `headers` (single values); undefined when malformed. */
export function readHeaders(value: unknown, into: ReadHeaders): ReadHeaders | undefined {
  if (value === undefined || value === null) return into;
  if (typeof value !== "object" || Array.isArray(value)) return undefined;
  for (const [name, item] of Object.entries(value)) {
    into.mentioned.add(name.toLowerCase());
    if (item === null || item === undefined) continue;
    const text = scalar(item);
    if (text === undefined) return undefined;
    if (!GATEWAY_OWNED.has(name.toLowerCase())) into.lines.push([name, text]);
  }
  return into;
}

/** `multiValueHeaders` (lists of values); undefined when malformed. */
export function readMultiValueHeaders(value: unknown, into: ReadHeaders): ReadHeaders | undefined {
  if (value === undefined || value === null) return into;
  if (typeof value !== "object" || Array.isArray(value)) return undefined;
  for (const [name, items] of Object.entries(value)) {
    into.mentioned.add(name.toLowerCase());
    if (items === null || items === undefined) continue;
    if (!Array.isArray(items)) return undefined;
    for (const item of items) {
      const text = scalar(item);
      if (text === undefined) return undefined;
      if (!GATEWAY_OWNED.has(name.toLowerCase())) into.lines.push([name, text]);
    }
  }
  return into;
}

export function emptyHeaders(): ReadHeaders {
  return { lines: [], mentioned: new Set() };
}

function scalar(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}
