/**
 * What s3rver says of an object event (the `event` it emits: an S3Event of one record, eventVersion 2.0) →
 * the `S3ObjectEvent` Lambkin's notification sink takes (triggers/s3/interfaces/s3-notification-sink.ts).
 *
 * s3rver's record is close to S3's (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html)
 * but differs where it matters: a CompleteMultipartUpload is reported as `ObjectCreated:Post`, where S3 reports
 * `ObjectCreated:CompleteMultipartUpload`; its sequencer is the millisecond in hex (two events of one key in one
 * millisecond would not be ordered); its key is the stored key (not form-encoded, unlike a posted record); its
 * principal and owner ids are random per event. So the event name is corrected from the request, the sequencer is
 * Lambkin's own (only grows within the process, and from one start to the next since it starts from the clock),
 * the ids are left for the record builder's defaults, and the request id is the one the client's response carries.
 */
import type { S3ObjectEvent } from "../../triggers/s3/interfaces/s3-notification-sink.js";

/** The part of an s3rver event record Lambkin reads. */
export interface S3rverRecord {
  readonly eventName?: unknown;
  readonly eventTime?: unknown;
  readonly requestParameters?: { readonly sourceIPAddress?: unknown };
  readonly s3?: {
    readonly bucket?: { readonly name?: unknown };
    readonly object?: { readonly key?: unknown; readonly size?: unknown; readonly eTag?: unknown };
  };
}

/** What the request that caused the events tells about them. */
export interface RequestFacts {
  readonly requestId: string;
  readonly hostId: string;
  /** A POST with `?uploadId`: the event is S3's ObjectCreated:CompleteMultipartUpload. */
  readonly completesMultipartUpload: boolean;
}

export function objectEventOf(record: S3rverRecord, request: RequestFacts): S3ObjectEvent | undefined {
  const bucket = record.s3?.bucket?.name;
  const key = record.s3?.object?.key;
  const eventName = record.eventName;
  if (typeof bucket !== "string" || typeof key !== "string" || typeof eventName !== "string")
    return undefined;
  const size = record.s3?.object?.size;
  const eTag = record.s3?.object?.eTag;
  const eventTime = typeof record.eventTime === "string" ? new Date(record.eventTime) : undefined;
  const sourceIp = record.requestParameters?.sourceIPAddress;
  return {
    bucket,
    key,
    eventName:
      request.completesMultipartUpload && eventName.startsWith("ObjectCreated:")
        ? "ObjectCreated:CompleteMultipartUpload"
        : eventName,
    ...(typeof size === "number" && Number.isSafeInteger(size) && size >= 0 ? { size } : {}),
    ...(typeof eTag === "string" && eTag !== "" ? { eTag: eTag.replace(/"/g, "") } : {}),
    ...(eventTime !== undefined && !Number.isNaN(eventTime.getTime()) ? { eventTime } : {}),
    ...(typeof sourceIp === "string" && sourceIp !== "" ? { sourceIPAddress: ipv4Form(sourceIp) } : {}),
    sequencer: nextSequencer(),
    requestId: request.requestId,
    hostId: request.hostId,
  };
}

/** S3 reports ObjectRemoved:Delete for each key a DeleteObjects request removed; s3rver reports none. */
export function removedEventOf(bucket: string, key: string, request: RequestFacts): S3ObjectEvent {
  return {
    bucket,
    key,
    eventName: "ObjectRemoved:Delete",
    eventTime: new Date(),
    sequencer: nextSequencer(),
    requestId: request.requestId,
    hostId: request.hostId,
  };
}

/**
 * A client on the loopback reaches Node as `::ffff:127.0.0.1` on a dual-stack socket; S3 writes IPv4 clients'
 * addresses in IPv4 form, which handlers validating events (Powertools' S3Schema) expect.
 */
function ipv4Form(address: string): string {
  if (address === "::1") return "127.0.0.1";
  return /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1] ?? address;
}

let lastSequence = 0n;

/** A hex string of fixed width that grows with every call: nanoseconds of the clock, or one more than the last. */
export function nextSequencer(): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  lastSequence = now > lastSequence ? now : lastSequence + 1n;
  return lastSequence.toString(16).toUpperCase().padStart(18, "0");
}
