/**
 * The port an S3 implementation calls when objects change: Lambkin's embedded S3 (in process) and the
 * `POST /_lambkin/s3-events` route (for S3 servers' webhooks) both hand their object events to it, and it
 * turns them into Lambda invocations as S3's bucket notifications do
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventNotifications.html). The adapter is
 * `S3Notifications` (../s3-notifications.ts), built from the functions' `s3` events.
 */

/** What an S3 server tells Lambkin about one object event (the in-process hook's input). */
export interface S3ObjectEvent {
  readonly bucket: string;
  /** The object key as stored (not encoded). */
  readonly key: string;
  /** `ObjectCreated:Put`, `ObjectRemoved:Delete`, … (with or without `s3:`). */
  readonly eventName: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly versionId?: string;
  readonly eventTime?: Date;
  readonly sourceIPAddress?: string;
  readonly principalId?: string;
  /** The bucket owner's id (S3: the owner's canonical id). */
  readonly ownerPrincipalId?: string;
  /** The server's sequencer, kept so that events of one key stay ordered as that server ordered them. */
  readonly sequencer?: string;
  /** The server's `x-amz-request-id` / `x-amz-id-2`, kept to correlate with its logs. */
  readonly requestId?: string;
  readonly hostId?: string;
}

export interface S3NotificationResult {
  /** Invocations queued: one per (event, matching configuration). */
  readonly invocations: number;
}

export interface S3NotificationSink {
  /** Whether any configuration watches the bucket: an S3 need not report events of other buckets. */
  watches(bucket: string): boolean;
  /**
   * Queues one asynchronous invocation per (event, matching configuration), in order, and resolves once every
   * one is durably queued. Rejects (the Invocations port's ServiceException, 5xx) when the queue cannot take
   * one: the events from that one on were not queued, and the caller must say so (the route answers 503) —
   * telling its S3 to send them again, which may deliver earlier ones twice, as S3's at-least-once delivery may.
   */
  notify(events: readonly S3ObjectEvent[]): Promise<S3NotificationResult>;
}
