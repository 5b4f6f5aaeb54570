/**
 * The first middleware of s3rver's Koa chain: it holds each response until the object events of its request are
 * handed to Lambkin's notification sink, so that a client told 200 knows its events are queued.
 *
 * S3 delivers event notifications at least once (https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventNotifications.html,
 * "typically delivered in seconds but can sometimes take a minute or longer"); Lambkin's S3 cannot keep an event
 * it could not queue, so it never answers success for one: when the sink refuses (the queue is down), the object
 * stays stored and the client gets 503 ServiceUnavailable, which the AWS SDKs retry — the retry stores the object
 * again and produces its event again. Events come from s3rver's synchronous `event` emission, gathered per request
 * in the request's scope (an AsyncLocalStorage store set by the front server), plus the ObjectRemoved:Delete
 * events of DeleteObjects, which s3rver does not emit (the store's deletions during that request).
 *
 * It also: sets `x-amz-request-id` / `x-amz-id-2` on every answer (s3rver sends none; the events carry the same),
 * refuses upload ids and part numbers s3rver would turn into paths (store-confinement.ts), answers a body that
 * was not valid aws-chunked with S3's error after discarding what s3rver stored of it, and answers
 * BucketAlreadyOwnedByYou for a bucket that exists (every bucket of Lambkin's one local account is the caller's;
 * s3rver says BucketAlreadyExists, which on S3 means another account's).
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { S3NotificationSink, S3ObjectEvent } from "../../triggers/s3/interfaces/s3-notification-sink.js";
import type { AwsChunkedDecoder } from "./aws-chunked-decoder.js";
import { s3ErrorXml } from "./s3-error-xml.js";
import { objectEventOf, type RequestFacts, removedEventOf, type S3rverRecord } from "./s3rver-events.js";
import { multipartQueryProblem } from "./store-confinement.js";

/** What the front server knows of one request, and what s3rver reports while handling it. */
export interface RequestScope {
  readonly requestId: string;
  readonly hostId: string;
  /** The records of s3rver's `event` emissions during the request. */
  readonly records: S3rverRecord[];
  /** The objects the store deleted during the request. */
  readonly removed: { readonly bucket: string; readonly key: string }[];
  /** The decoder of an aws-chunked body. */
  readonly body?: AwsChunkedDecoder;
}

/** The part of Koa's context this middleware uses. */
export interface KoaContext {
  readonly method: string;
  readonly query: Readonly<Record<string, unknown>>;
  readonly path: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  status: number;
  type: string;
  body: unknown;
  set(name: string, value: string): void;
}

export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

export interface NotifyingMiddlewareOptions {
  readonly scopes: AsyncLocalStorage<RequestScope>;
  readonly notifications: () => S3NotificationSink | undefined;
  /** Removes an object s3rver stored from a body that turned out incomplete or corrupt. */
  readonly discard: (bucket: string, key: string) => Promise<void>;
  /** s3rver's own error class, so that its error handler writes the answer. */
  readonly s3Error: (code: string, message: string, detail?: Record<string, string>) => Error;
  readonly logger: Logger;
}

export function notifyingMiddleware(options: NotifyingMiddlewareOptions): KoaMiddleware {
  return async (ctx, next) => {
    const scope = options.scopes.getStore();
    if (!scope) return next();
    ctx.set("x-amz-request-id", scope.requestId);
    ctx.set("x-amz-id-2", scope.hostId);
    const queryProblem = multipartQueryProblem(ctx.query);
    if (queryProblem !== undefined) {
      answerError(ctx, scope, 400, "InvalidArgument", queryProblem);
      return;
    }
    let thrown: { error: unknown } | undefined;
    try {
      await next();
    } catch (error) {
      thrown = { error };
    }
    const facts: RequestFacts = {
      requestId: scope.requestId,
      hostId: scope.hostId,
      completesMultipartUpload: ctx.method === "POST" && "uploadId" in ctx.query,
    };
    const problem = scope.body?.problem;
    if (thrown === undefined && problem !== undefined) {
      await discardIncomplete(scope, facts, options);
      answerError(ctx, scope, 400, problem.code, problem.message);
      return;
    }
    const events = eventsOf(scope, facts, ctx.method === "POST" && "delete" in ctx.query);
    const sink = options.notifications();
    const watched = sink ? events.filter((event) => sink.watches(event.bucket)) : [];
    if (sink && watched.length > 0) {
      try {
        await sink.notify(watched);
      } catch (error) {
        const message = coded(
          "LKN_ERR_S3_EVENTS_NOT_QUEUED",
          `${watched.length === 1 ? "the object was stored but its event notification" : `the objects were stored but their ${watched.length} event notifications`} could not be queued (${(error as Error).message}); send the request again`,
        );
        options.logger.warn(
          { code: "LKN_ERR_S3_EVENTS_NOT_QUEUED", requestId: scope.requestId },
          `s3: ${ctx.method} ${ctx.path}: ${message}`,
        );
        answerError(ctx, scope, 503, "ServiceUnavailable", message);
        return;
      }
    }
    if (thrown !== undefined) throw translated(thrown.error, options);
  };
}

function eventsOf(scope: RequestScope, facts: RequestFacts, deletesObjects: boolean): S3ObjectEvent[] {
  const events: S3ObjectEvent[] = [];
  for (const record of scope.records) {
    const event = objectEventOf(record, facts);
    if (event) events.push(event);
  }
  if (deletesObjects) {
    for (const { bucket, key } of scope.removed) events.push(removedEventOf(bucket, key, facts));
  }
  return events;
}

/** A PutObject whose body was cut or corrupt stored what it got: S3 would have stored nothing. */
async function discardIncomplete(
  scope: RequestScope,
  facts: RequestFacts,
  options: NotifyingMiddlewareOptions,
): Promise<void> {
  for (const record of scope.records) {
    const event = objectEventOf(record, facts);
    if (!event?.eventName.startsWith("ObjectCreated:")) continue;
    try {
      await options.discard(event.bucket, event.key);
    } catch (error) {
      options.logger.debug({ err: error }, `s3: could not discard ${event.bucket}/${event.key}`);
    }
  }
}

function translated(error: unknown, options: NotifyingMiddlewareOptions): unknown {
  if ((error as { code?: unknown } | null)?.code === "BucketAlreadyExists") {
    return options.s3Error(
      "BucketAlreadyOwnedByYou",
      "Your previous request to create the named bucket succeeded and you already own it.",
    );
  }
  return error;
}

/** Answers an S3 error in S3's XML shape, without the headers the operation had set (ETag, Location …). */
function answerError(
  ctx: KoaContext,
  scope: RequestScope,
  status: number,
  code: string,
  message: string,
): void {
  for (const name of ctx.res.getHeaderNames()) {
    if (!/^(access-control-|vary$|x-amz-)/i.test(name)) ctx.res.removeHeader(name);
  }
  ctx.status = status;
  ctx.type = "application/xml";
  ctx.body = s3ErrorXml(code, message, scope.requestId, scope.hostId);
}
