/**
 * What the tests of Lambkin's S3 share: a real S3 service on a fresh data folder and a free port, real
 * @aws-sdk/client-s3 clients with the SDK's default settings (no forcePathStyle, no checksum settings: what an
 * unchanged handler has), and a recording Invocations port.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { pino } from "pino";
import type { InvocationRequest } from "../../runtime/invocation/invocation-request.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import { type S3Service, startS3Service } from "../../services/s3/s3-service.js";
import type { S3NotificationSink } from "../../triggers/s3/interfaces/s3-notification-sink.js";
import type { S3EventRecord } from "../../triggers/s3/s3-event-record.js";

export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), "lambkin-s3-"));
}

export function startTestS3(
  dataDir: string,
  notifications: () => S3NotificationSink | undefined = () => undefined,
): Promise<S3Service> {
  return startS3Service({
    dataDir,
    host: "127.0.0.1",
    port: 0,
    logger: pino({ level: "silent" }),
    notifications,
  });
}

/**
 * A client as a handler makes one: only the endpoint, a region and some credentials (any: Lambkin's S3 takes
 * every access key).
 */
export function s3Client(endpoint: string, config: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    region: "eu-west-1",
    endpoint,
    credentials: {
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    },
    ...config,
  });
}

/**
 * A test double of the Invocations port (the queue's side of the notification sink): it records the Event
 * requests the sink enqueues, so that a test can read their payloads — the real queue keeps them where no test
 * can list them without running them. The fault of a queue that cannot store is caused for real with a closed
 * embedded queue, not with this double.
 */
export class RecordingInvocations implements Invocations {
  readonly enqueued: InvocationRequest[] = [];

  /**
   * @param storeMs how long storing takes (a queue's fsync does), so that a caller that did not wait for
   *   `enqueue` would be seen answering before the request is recorded.
   */
  constructor(private readonly storeMs = 0) {}

  run(): never {
    throw new Error("S3 notifications never run a function synchronously");
  }

  async enqueue(request: InvocationRequest): Promise<void> {
    if (this.storeMs > 0) await new Promise((resolve) => setTimeout(resolve, this.storeMs));
    this.enqueued.push(request);
  }

  /** The S3 records of the requests enqueued since the last call, with the function each is for. */
  take(): { functionName: string; record: S3EventRecord }[] {
    return this.enqueued.splice(0).map((request) => {
      const event = JSON.parse(request.payload.toString("utf8")) as { Records: S3EventRecord[] };
      return { functionName: request.functionName, record: event.Records[0] as S3EventRecord };
    });
  }
}
