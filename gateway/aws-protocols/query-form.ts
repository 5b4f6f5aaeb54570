/**
 * The query protocol's request parameters (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-xml.html):
 * `application/x-www-form-urlencoded` pairs in a POST body, or in the query string of a GET; both are read, the
 * body's winning. Bounded: a hostile body can neither make Lambkin keep more than `maxParameters` pairs nor names
 * longer than `maxNameLength` (the body itself is capped by the route's bodyLimit before it is parsed), and a
 * parameter given twice is refused rather than silently merged.
 */
import { type AwsError, malformedQueryString, truncate } from "./aws-error.js";

export interface QueryFormLimits {
  /** Pairs per request. SQS's largest legitimate request (a 10-entry batch, 10 attributes each) needs ~600. */
  readonly maxParameters: number;
  readonly maxNameLength: number;
}

export const DEFAULT_QUERY_FORM_LIMITS: QueryFormLimits = { maxParameters: 2000, maxNameLength: 512 };

export type QueryParameters = ReadonlyMap<string, string>;

export function parseQueryParameters(
  queryString: string,
  body: Buffer | undefined,
  limits: QueryFormLimits = DEFAULT_QUERY_FORM_LIMITS,
): QueryParameters {
  const parameters = parsePairs(queryString, limits);
  if (!body || body.length === 0) return parameters;
  for (const [name, value] of parsePairs(body.toString("utf8"), limits)) {
    if (!parameters.has(name) && parameters.size >= limits.maxParameters) throw tooMany(limits);
    parameters.set(name, value);
  }
  return parameters;
}

function parsePairs(text: string, limits: QueryFormLimits): Map<string, string> {
  const parameters = new Map<string, string>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("&", start);
    if (end < 0) end = text.length;
    const pair = text.slice(start, end);
    start = end + 1;
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const rawName = equals < 0 ? pair : pair.slice(0, equals);
    if (rawName.length > limits.maxNameLength * 3) throw tooLongName(rawName);
    const name = decodeFormComponent(rawName);
    if (name.length > limits.maxNameLength) throw tooLongName(name);
    if (parameters.has(name)) throw repeated(name);
    if (parameters.size >= limits.maxParameters) throw tooMany(limits);
    parameters.set(name, equals < 0 ? "" : decodeFormComponent(pair.slice(equals + 1)));
  }
  return parameters;
}

function tooMany(limits: QueryFormLimits): AwsError {
  return malformedQueryString(`The request has more than ${limits.maxParameters} parameters.`);
}

/** `+` is a space in form encoding; malformed percent-encoding is the caller's error, not a crash. */
export function decodeFormComponent(text: string): string {
  const spaced = text.includes("+") ? text.replace(/\+/g, " ") : text;
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw malformedQueryString(
      `The query string or body contains malformed percent-encoding: ${truncate(text, 60)}`,
    );
  }
}

function tooLongName(name: string): AwsError {
  return malformedQueryString(`Parameter name too long: ${truncate(name, 60)}`);
}

function repeated(name: string): AwsError {
  return malformedQueryString(`Parameter ${truncate(name, 60)} is given more than once.`);
}
