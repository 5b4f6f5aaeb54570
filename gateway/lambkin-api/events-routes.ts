/**
 * `/_lambkin/events`: the dead letters of asynchronous invocations — every event that used up its attempts or its
 * age with no destination to take it — over HTTP, as `lambkin events` shows them (dead-letter-view.ts):
 * - `GET /_lambkin/events[?limit=N][&function=NAME]` → the dead letters, oldest first (default 100, at most 1000);
 * - `GET /_lambkin/events/{id}` → one;
 * - `POST /_lambkin/events/{id}/redrive` → runs it again as a new event (new request id, its age counted from now)
 *   and answers `{ id, jobId }`; the dead letter is gone once the new event is queued;
 * - `DELETE /_lambkin/events/{id}` → `{ purged: 1 }`; `DELETE /_lambkin/events` → `{ purged: n }`, all of them.
 * Ids are read from the path as sent (percent-decoded once, so an id may hold any character but controls): a
 * wildcard route, not a `:id` parameter, so that a long id gets this API's 400 rather than the router's limit.
 * The list is written out one dead letter at a time: a thousand 1 MB payloads never become one string.
 */
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  type DeadLetterView,
  deadLetterIdProblem,
  functionFilterProblem,
  type ListFilter,
  listDeadLetterViews,
  listLimitProblem,
  toDeadLetterView,
} from "../../triggers/queue/dead-letter-view.js";
import type { DeadLetterStore } from "../../triggers/queue/interfaces/job-queue.js";
import { DeadLetterNotFoundError } from "../../triggers/queue/interfaces/queue-errors.js";
import { invalidRequest, LambkinApiError } from "./lambkin-api-error.js";
import { LAMBKIN_API_PREFIX } from "./lambkin-api-paths.js";

const EVENTS = "/events";
const LIST_PARAMETERS = new Set(["limit", "function"]);

export function registerEventsRoutes(api: FastifyInstance, deadLetters: DeadLetterStore): void {
  api.get(EVENTS, async (request, reply) => {
    const views = await listDeadLetterViews(deadLetters, listFilter(request));
    return sendJson(reply, Readable.from(jsonArray(views)));
  });
  api.delete(EVENTS, async (request, reply) => {
    noParameters(request);
    return sendJson(reply, { purged: await deadLetters.purge() });
  });
  api.get(`${EVENTS}/*`, async (request, reply) => {
    const id = deadLetterId(request, "");
    const letter = await deadLetters.get(id);
    if (letter === undefined) throw new DeadLetterNotFoundError(id);
    return sendJson(reply, toDeadLetterView(letter));
  });
  api.post(`${EVENTS}/*`, async (request, reply) => {
    const id = deadLetterId(request, "/redrive");
    const job = await deadLetters.redrive(id);
    return sendJson(reply, { id, jobId: job.id });
  });
  api.delete(`${EVENTS}/*`, async (request, reply) => {
    const id = deadLetterId(request, "");
    return sendJson(reply, { purged: await deadLetters.purge(id) });
  });
}

function sendJson(reply: FastifyReply, body: unknown): FastifyReply {
  reply.header("content-type", "application/json");
  return reply.send(body instanceof Readable ? body : Buffer.from(JSON.stringify(body)));
}

function* jsonArray(views: readonly DeadLetterView[]): Generator<string> {
  yield "[";
  for (const [index, view] of views.entries()) yield `${index === 0 ? "" : ","}${JSON.stringify(view)}`;
  yield "]";
}

/** The query as sent; a parameter named twice or unknown is refused rather than guessed at. */
function queryOf(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? request.url;
  const mark = url.indexOf("?");
  return new URLSearchParams(mark < 0 ? "" : url.slice(mark + 1));
}

function listFilter(request: FastifyRequest): ListFilter {
  const query = queryOf(request);
  for (const name of new Set(query.keys())) {
    if (!LIST_PARAMETERS.has(name)) {
      throw invalidRequest(`unknown parameter ${JSON.stringify(name.slice(0, 40))}: only limit and function`);
    }
    if (query.getAll(name).length > 1) throw invalidRequest(`${name} is given more than once`);
  }
  const limit = query.get("limit");
  const functionName = query.get("function");
  const limitProblem = limit === null ? undefined : listLimitProblem(limit);
  if (limitProblem) throw invalidRequest(limitProblem);
  const functionProblem = functionName === null ? undefined : functionFilterProblem(functionName);
  if (functionProblem) throw invalidRequest(functionProblem);
  return {
    ...(limit === null ? {} : { limit: Number(limit) }),
    ...(functionName === null ? {} : { functionName }),
  };
}

function noParameters(request: FastifyRequest): void {
  const name = [...queryOf(request).keys()][0];
  if (name !== undefined) {
    throw invalidRequest(`unknown parameter ${JSON.stringify(name.slice(0, 40))}: this operation takes none`);
  }
}

/** The id in `/_lambkin/events/{id}{suffix}`, percent-decoded; a path of another shape is not an operation. */
function deadLetterId(request: FastifyRequest, suffix: string): string {
  noParameters(request);
  const url = request.raw.url ?? request.url;
  const path = url.split("?")[0] ?? "";
  const base = `${LAMBKIN_API_PREFIX}${EVENTS}/`;
  const rest = path.slice(base.length);
  if (!path.startsWith(base) || !rest.endsWith(suffix) || rest.length === suffix.length) {
    throw notAnOperation(request);
  }
  const encoded = rest.slice(0, rest.length - suffix.length);
  if (encoded.includes("/")) throw notAnOperation(request);
  let id: string;
  try {
    id = decodeURIComponent(encoded);
  } catch {
    throw invalidRequest("the dead letter id is not valid percent-encoded UTF-8");
  }
  const problem = deadLetterIdProblem(id);
  if (problem) throw invalidRequest(problem);
  return id;
}

export function notAnOperation(request: FastifyRequest): LambkinApiError {
  const path = (request.raw.url ?? request.url).split("?")[0] ?? "";
  return new LambkinApiError(
    404,
    "LKN_ERR_ADMIN_NOT_FOUND",
    `Lambkin's API has no ${request.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}: it serves GET, DELETE /_lambkin/events and GET, DELETE /_lambkin/events/{id}, POST /_lambkin/events/{id}/redrive`,
  );
}
