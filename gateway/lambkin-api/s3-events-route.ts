/**
 * `POST /_lambkin/s3-events`: where S3 servers' webhook targets post bucket notifications (`{"Records":[…]}`,
 * one record or many, S3's record shape or a server's variant of it: s3-event-record.ts). Each record a
 * configured `s3` event matches becomes one asynchronous invocation (triggers/s3/s3-notifications.ts). The
 * answer comes only once all of them are durably queued: `202 {"records": n, "invocations": m}`; a queue that
 * cannot take them answers 503 so that the server retries (it may then deliver some twice, as S3 itself may:
 * "event notifications are delivered at least once"). `s3:TestEvent` records (sent when a configuration is
 * saved) are accepted and ignored. A malformed record refuses the whole post with 400 and the record's index,
 * before anything is queued.
 */
import type { FastifyInstance } from "fastify";
import { ServiceError } from "../../runtime/errors/service-errors.js";
import type { S3NotificationSink, S3ObjectEvent } from "../../triggers/s3/interfaces/s3-notification-sink.js";
import { parsePostedRecord } from "../../triggers/s3/s3-event-record.js";
import { LambkinApiError, invalidRequest as lambkinInvalidRequest } from "./lambkin-api-error.js";

/** A notification post holds few records (S3 sends one per event); 1 MiB and 1000 records bound a hostile one. */
export const MAX_S3_EVENTS_BODY_BYTES = 1_048_576;
const MAX_RECORDS = 1000;

export function registerS3EventsRoute(api: FastifyInstance, notifications: S3NotificationSink): void {
  api.post("/s3-events", { bodyLimit: MAX_S3_EVENTS_BODY_BYTES }, async (request, reply) => {
    const events = postedEvents(request.body);
    let invocations = 0;
    try {
      invocations = (await notifications.notify(events)).invocations;
    } catch (error) {
      if (error instanceof ServiceError && error.statusCode >= 500) {
        throw new LambkinApiError(
          503,
          "LKN_ERR_QUEUE_UNAVAILABLE",
          `the notifications could not all be queued (${error.message}); post them again`,
        );
      }
      throw error;
    }
    return reply.code(202).send({ records: events.length, invocations });
  });
}

/** Lambda's name for a request body it cannot read (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). */
const invalidRequest = (message: string) => lambkinInvalidRequest(message, "InvalidRequestContentException");

function postedEvents(body: unknown): S3ObjectEvent[] {
  const text = Buffer.isBuffer(body) ? body.toString("utf8") : "";
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw invalidRequest('the body must be S3 notification JSON: {"Records": [ … ]}');
  }
  if (typeof document !== "object" || document === null || Array.isArray(document))
    throw invalidRequest('the body must be a JSON object {"Records": [ … ]}');
  const posted = document as Record<string, unknown>;
  // S3's test message is a bare object {"Service":"Amazon S3","Event":"s3:TestEvent",…}.
  if (posted.Event === "s3:TestEvent") return [];
  const records = posted.Records;
  if (!Array.isArray(records))
    throw invalidRequest('the body must hold "Records": a list of S3 event records');
  if (records.length > MAX_RECORDS)
    throw invalidRequest(`${records.length} records in one post; at most ${MAX_RECORDS}`);
  const events: S3ObjectEvent[] = [];
  records.forEach((record, index) => {
    const parsed = parsePostedRecord(record);
    if (parsed.ok === "test") return;
    if (!parsed.ok) throw invalidRequest(`Records[${index}]: ${parsed.reason}`);
    events.push(parsed.event);
  });
  return events;
}
