/**
 * Turns S3 object events into Lambda invocations, as S3's bucket notifications do: each event that a
 * configuration matches — bucket, event type (with its wildcard), key prefix and suffix on the stored key
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html) — becomes one
 * asynchronous invocation of that configuration's function with `{ "Records": [ record ] }` (S3 invokes
 * functions asynchronously, one record per event: https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html),
 * so retries, destinations and dead letters are those of any Event invocation. `notify` resolves only once
 * every invocation is durably queued; S3 configurations never overlap (s3-events.ts), so an event starts at
 * most one invocation per function.
 *
 * This is the in-process hook (the embedded S3 calls it) and the intake behind POST /_lambkin/s3-events.
 */

import type { FunctionResolver } from "../../runtime/invocation/invocation-request.js";
import { buildInvocationRequest } from "../../runtime/invocation/invocation-request.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import { eventMatches, type S3NotificationRule } from "../../runtime/manifest/s3-events.js";
import type {
  S3NotificationResult,
  S3NotificationSink,
  S3ObjectEvent,
} from "./interfaces/s3-notification-sink.js";
import { s3EventRecord } from "./s3-event-record.js";

export type { S3NotificationResult, S3NotificationSink };

export class S3Notifications implements S3NotificationSink {
  constructor(
    private rules: readonly S3NotificationRule[],
    private readonly functions: FunctionResolver,
    private readonly invocations: Invocations,
  ) {}

  /**
   * `lambkin dev`'s reload: the configurations serverless.yml declares now. Takes effect with the next object
   * event (an event being notified keeps the configurations it matched), as a saved bucket notification
   * configuration applies to the events after it.
   */
  replaceRules(rules: readonly S3NotificationRule[]): void {
    this.rules = rules;
  }

  /** The configurations in force. */
  get currentRules(): readonly S3NotificationRule[] {
    return this.rules;
  }

  /** Whether any configuration watches the bucket: an S3 server need not report events of other buckets. */
  watches(bucket: string): boolean {
    return this.rules.some((rule) => rule.bucket === bucket);
  }

  /** The configurations an event matches. */
  matching(event: S3ObjectEvent): S3NotificationRule[] {
    return this.rules.filter(
      (rule) =>
        rule.bucket === event.bucket &&
        eventMatches(rule.event, event.eventName) &&
        event.key.startsWith(rule.prefix) &&
        event.key.endsWith(rule.suffix),
    );
  }

  /**
   * Queues the invocations of the events, in order; rejects (the Invocations port's ServiceException) when the
   * queue cannot take one — the caller must then report failure, since events after it were not queued.
   */
  async notify(events: readonly S3ObjectEvent[]): Promise<S3NotificationResult> {
    let invocations = 0;
    for (const event of events) {
      for (const rule of this.matching(event)) {
        const record = s3EventRecord(event, rule.region, rule.configurationId);
        const request = buildInvocationRequest(this.functions, {
          reference: rule.functionName,
          payload: JSON.stringify({ Records: [record] }),
          invocationType: "Event",
          source: `s3:${rule.bucket}`,
        });
        await this.invocations.enqueue(request);
        invocations++;
      }
    }
    return { invocations };
  }
}
