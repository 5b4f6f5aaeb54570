/**
 * The S3 event record a Lambda function receives
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html, record structure:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html): eventVersion 2.1,
 * eventSource aws:s3, eventTime in ISO 8601 with milliseconds, eventName without the `s3:` prefix, and
 * `s3.object.key` URL-form-encoded (a space is `+`).
 *
 * Records reach Lambkin from S3 servers' webhooks (posted to /_lambkin/s3-events) and from the embedded S3
 * (the in-process hook). Servers differ — MinIO sends eventVersion 2.0 and extra fields, some omit
 * `sequencer` or send eventName with its `s3:` prefix — so every record is normalized into exactly the shape
 * AWS delivers: known fields only, defaults where a server left one out. A record that lacks what cannot be
 * defaulted (bucket name, object key, event name) is refused with the reason.
 */
import { randomBytes } from "node:crypto";
import type { S3ObjectEvent } from "./interfaces/s3-notification-sink.js";

export interface S3EventRecord {
  readonly eventVersion: "2.1";
  readonly eventSource: "aws:s3";
  readonly awsRegion: string;
  readonly eventTime: string;
  readonly eventName: string;
  readonly userIdentity: { readonly principalId: string };
  readonly requestParameters: { readonly sourceIPAddress: string };
  readonly responseElements: { readonly "x-amz-request-id": string; readonly "x-amz-id-2": string };
  readonly s3: {
    readonly s3SchemaVersion: "1.0";
    readonly configurationId: string;
    readonly bucket: {
      readonly name: string;
      readonly ownerIdentity: { readonly principalId: string };
      readonly arn: string;
    };
    readonly object: {
      readonly key: string;
      readonly size?: number;
      readonly eTag?: string;
      readonly versionId?: string;
      readonly sequencer: string;
    };
  };
}

export type { S3ObjectEvent };

/** The owner Lambkin's local account shows: S3 puts the bucket owner's canonical id there. */
const LOCAL_PRINCIPAL = "LAMBKIN";

/**
 * URL form encoding as S3 applies it to keys in event records: what `java.net.URLEncoder` does (letters, digits
 * and `.-*_` kept, a space as `+`, everything else as UTF-8 percent-escapes), except that `/` is kept as real
 * S3 notifications keep it (`photos/2026/cat+1.jpg`).
 */
export function formEncodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, "+")
    .replace(/%2F/gi, "/")
    .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The key as stored, from its form-encoded form; undefined when the escapes are malformed. */
export function formDecodeKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

export function s3EventRecord(event: S3ObjectEvent, region: string, configurationId: string): S3EventRecord {
  const eventName = event.eventName.startsWith("s3:") ? event.eventName.slice(3) : event.eventName;
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: region,
    eventTime: (event.eventTime ?? new Date()).toISOString(),
    eventName,
    userIdentity: { principalId: event.principalId ?? LOCAL_PRINCIPAL },
    requestParameters: { sourceIPAddress: event.sourceIPAddress ?? "127.0.0.1" },
    responseElements: {
      "x-amz-request-id": event.requestId ?? randomBytes(8).toString("hex").toUpperCase(),
      "x-amz-id-2": event.hostId ?? randomBytes(48).toString("base64"),
    },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId,
      bucket: {
        name: event.bucket,
        ownerIdentity: { principalId: event.ownerPrincipalId ?? LOCAL_PRINCIPAL },
        arn: `arn:aws:s3:::${event.bucket}`,
      },
      object: {
        key: formEncodeKey(event.key),
        ...(event.size === undefined ? {} : { size: event.size }),
        ...(event.eTag === undefined ? {} : { eTag: event.eTag }),
        ...(event.versionId === undefined ? {} : { versionId: event.versionId }),
        sequencer: event.sequencer ?? sequencer(),
      },
    },
  };
}

/**
 * S3's sequencer orders events of one key: a hex string that only grows. Lambkin makes it from the time in
 * nanoseconds-ish and a counter, so that later events of a process compare greater.
 */
let lastSequence = 0n;
function sequencer(): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  lastSequence = now > lastSequence ? now : lastSequence + 1n;
  return lastSequence.toString(16).toUpperCase().padStart(18, "0");
}

export type ParsedRecord =
  | { readonly ok: true; readonly event: S3ObjectEvent }
  | { readonly ok: false; readonly reason: string }
  /** `s3:TestEvent`, which S3 sends when a configuration is saved: nothing to invoke. */
  | { readonly ok: "test" };

/** Reads one record an S3 server posted (AWS's shape, or a server's variant of it). Never throws. */
export function parsePostedRecord(value: unknown): ParsedRecord {
  if (!isObject(value)) return { ok: false, reason: "a record must be a JSON object" };
  if (value.Event === "s3:TestEvent" || value.eventName === "s3:TestEvent") return { ok: "test" };
  const s3 = value.s3;
  const eventName = value.eventName;
  if (typeof eventName !== "string" || eventName === "" || eventName.length > 128)
    return { ok: false, reason: "eventName must be an S3 event name such as ObjectCreated:Put" };
  if (!isObject(s3) || !isObject(s3.bucket) || !isObject(s3.object))
    return { ok: false, reason: "s3.bucket and s3.object must be objects" };
  const bucket = s3.bucket.name;
  if (typeof bucket !== "string" || bucket === "" || bucket.length > 63)
    return { ok: false, reason: "s3.bucket.name must be a bucket name" };
  const encodedKey = s3.object.key;
  if (typeof encodedKey !== "string" || encodedKey === "" || encodedKey.length > 4096)
    return { ok: false, reason: "s3.object.key must be the object key, URL-form-encoded as S3 sends it" };
  const key = formDecodeKey(encodedKey);
  if (key === undefined) return { ok: false, reason: "s3.object.key has a malformed %-escape" };
  const size = s3.object.size;
  const eventTime = typeof value.eventTime === "string" ? new Date(value.eventTime) : undefined;
  const requestParameters = isObject(value.requestParameters) ? value.requestParameters : {};
  const userIdentity = isObject(value.userIdentity) ? value.userIdentity : {};
  const responseElements = isObject(value.responseElements) ? value.responseElements : {};
  const owner = isObject(s3.bucket.ownerIdentity) ? s3.bucket.ownerIdentity : {};
  return {
    ok: true,
    event: {
      bucket,
      key,
      eventName,
      ...(typeof size === "number" && Number.isSafeInteger(size) && size >= 0 ? { size } : {}),
      ...(shortText(s3.object.eTag) ? { eTag: s3.object.eTag.replace(/"/g, "") } : {}),
      ...(shortText(s3.object.versionId) ? { versionId: s3.object.versionId } : {}),
      ...(eventTime !== undefined && !Number.isNaN(eventTime.getTime()) ? { eventTime } : {}),
      ...(shortText(requestParameters.sourceIPAddress)
        ? { sourceIPAddress: loopbackAsIpv4(requestParameters.sourceIPAddress) }
        : {}),
      ...(shortText(userIdentity.principalId) ? { principalId: userIdentity.principalId } : {}),
      ...(shortText(owner.principalId) ? { ownerPrincipalId: owner.principalId } : {}),
      // S3's sequencer is hexadecimal; anything else (s3rver's, MinIO's) is replaced by Lambkin's own.
      ...(typeof s3.object.sequencer === "string" && /^[0-9A-Fa-f]{1,64}$/.test(s3.object.sequencer)
        ? { sequencer: s3.object.sequencer.toUpperCase() }
        : {}),
      ...(shortText(responseElements["x-amz-request-id"])
        ? { requestId: responseElements["x-amz-request-id"] }
        : {}),
      ...(shortText(responseElements["x-amz-id-2"]) ? { hostId: responseElements["x-amz-id-2"] } : {}),
    },
  };
}

/**
 * A local S3 server reached over IPv6 reports `::1` or an IPv4-mapped `::ffff:a.b.c.d`; S3 writes the client's
 * IPv4 address there for IPv4 clients, and handlers validating events (Powertools' S3Schema) expect one. Both
 * are IPv4 addresses in IPv6 dress, so they are written as IPv4; a real IPv6 address is kept.
 */
function loopbackAsIpv4(address: string): string {
  if (address === "::1") return "127.0.0.1";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** A non-empty string a record may carry on: bounded, so that a hostile post cannot inflate every event. */
function shortText(value: unknown): value is string {
  return typeof value === "string" && value !== "" && value.length <= 256;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
