/**
 * The one JSON view of a dead letter that `lambkin events --json` prints and `GET /_lambkin/events` answers, so
 * that scripts read the same fields whichever way they ask: `id`, `functionName`, `requestId`, `condition`,
 * `reason`, `attempts`, `payload`, `errors`, `source`, `enqueuedAt`, `deadLetteredAt` (times in ISO 8601).
 * The payload is the event itself when it is JSON (what the caller sent: Lambda's asynchronous payloads are JSON
 * documents), else its text, else — bytes that are not UTF-8 — their base64; `payloadFormat` says which. A job
 * that could not be read (condition MalformedJob) has no function, request id or payload: its stored `raw` text
 * is given instead.
 * Also the rules a dead letter's id and a list's bounds follow, shared by the HTTP routes and the CLI.
 */
import type { DeadLetter, DeadLetterStore } from "./interfaces/job-queue.js";

export interface AttemptErrorView {
  readonly attempt: number;
  readonly requestId: string;
  readonly errorType: string;
  readonly errorMessage: string;
  readonly at: string;
}

export interface DeadLetterView {
  readonly id: string;
  readonly functionName: string | null;
  readonly requestId: string | null;
  readonly condition: string;
  readonly reason: string;
  readonly attempts: number;
  readonly payload: unknown;
  /** `json`: payload is the parsed event; `text`: its UTF-8 text; `base64`: its bytes; `none`: malformed job. */
  readonly payloadFormat: "json" | "text" | "base64" | "none";
  /** The stored text of a job that could not be read. */
  readonly raw?: string;
  readonly errors: readonly AttemptErrorView[];
  readonly source: string | null;
  readonly enqueuedAt: string | null;
  readonly deadLetteredAt: string;
}

/** Ids are the queue's job ids (UUIDs; ids a producer chose): longer ones cannot be a dead letter's. */
export const MAX_DEAD_LETTER_ID_LENGTH = 256;
/** The most dead letters one list returns, and how many it returns unless told. */
export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_LIST_LIMIT = 100;
/** How many dead letters a list filtered by function looks through at most. */
export const MAX_FILTER_SCAN = 10_000;
const MAX_FUNCTION_FILTER_LENGTH = 256;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `id` cannot be a dead letter's id, or undefined when it can. */
export function deadLetterIdProblem(id: string): string | undefined {
  if (id.length === 0) return "the dead letter id is empty";
  if (id.length > MAX_DEAD_LETTER_ID_LENGTH) {
    return `a dead letter id has at most ${MAX_DEAD_LETTER_ID_LENGTH} characters (got ${id.length})`;
  }
  if (CONTROL_CHARACTERS.test(id)) return "a dead letter id has no control characters";
  return undefined;
}

/** Why `text` is not a list limit (an integer 1–MAX_LIST_LIMIT), or undefined. */
export function listLimitProblem(text: string): string | undefined {
  return /^[0-9]{1,7}$/.test(text) && Number(text) >= 1 && Number(text) <= MAX_LIST_LIMIT
    ? undefined
    : `limit must be a whole number from 1 to ${MAX_LIST_LIMIT} (got ${JSON.stringify(text.slice(0, 40))})`;
}

/** Why `name` is not a function name to filter by, or undefined. */
export function functionFilterProblem(name: string): string | undefined {
  return name.length > 0 && name.length <= MAX_FUNCTION_FILTER_LENGTH && !CONTROL_CHARACTERS.test(name)
    ? undefined
    : `function must be a function name of 1–${MAX_FUNCTION_FILTER_LENGTH} characters`;
}

export function toDeadLetterView(letter: DeadLetter): DeadLetterView {
  const invocation = letter.invocation;
  const payload = invocation
    ? payloadOf(invocation.payload, invocation.payloadEncoding)
    : { payload: null, payloadFormat: "none" as const };
  return {
    id: letter.id,
    functionName: invocation?.functionName ?? null,
    requestId: invocation?.requestId ?? null,
    condition: letter.condition,
    reason: letter.reason,
    attempts: letter.attempts,
    ...payload,
    ...(letter.raw === undefined ? {} : { raw: letter.raw }),
    errors: letter.errors.map((error) => ({
      attempt: error.attempt,
      requestId: error.requestId,
      errorType: error.errorType,
      errorMessage: error.errorMessage,
      at: isoTime(error.at),
    })),
    source: invocation?.source ?? null,
    enqueuedAt: letter.enqueuedAt === undefined ? null : isoTime(letter.enqueuedAt),
    deadLetteredAt: isoTime(letter.deadLetteredAt),
  };
}

export interface ListFilter {
  readonly limit?: number;
  /** Only the dead letters of this function: its name, or the name inside the ARN it was invoked by. */
  readonly functionName?: string;
}

/** Dead letters, oldest first, as views: at most `limit` (default DEFAULT_LIST_LIMIT), of one function if asked. */
export async function listDeadLetterViews(
  store: DeadLetterStore,
  filter: ListFilter = {},
): Promise<DeadLetterView[]> {
  const limit = Math.min(Math.max(1, filter.limit ?? DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
  const wanted = filter.functionName;
  if (wanted === undefined) return (await store.list({ limit })).map(toDeadLetterView);
  const letters = await store.list({ limit: MAX_FILTER_SCAN });
  return letters
    .filter((letter) => letter.invocation !== undefined && nameOf(letter.invocation.functionName) === wanted)
    .slice(0, limit)
    .map(toDeadLetterView);
}

/** `name`, `arn:aws:lambda:region:account:function:name[:qualifier]` or `account:function:name` → `name`. */
function nameOf(functionName: string): string {
  return /(?:^|:)function:([^:]+)/.exec(functionName)?.[1] ?? functionName;
}

function payloadOf(
  stored: string,
  encoding: "utf8" | "base64",
): Pick<DeadLetterView, "payload" | "payloadFormat"> {
  let text = stored;
  if (encoding === "base64") {
    const bytes = Buffer.from(stored, "base64");
    const decoded = bytes.toString("utf8");
    if (!Buffer.from(decoded, "utf8").equals(bytes)) return { payload: stored, payloadFormat: "base64" };
    text = decoded;
  }
  try {
    return { payload: JSON.parse(text) as unknown, payloadFormat: "json" };
  } catch {
    return { payload: text, payloadFormat: "text" };
  }
}

function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}
