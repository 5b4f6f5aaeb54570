/**
 * Object events of Lambkin's S3 reaching a real S3Notifications sink, built from the fixture's serverless.yml
 * (its functions' s3 events and its buckets' LambdaConfigurations) as `lambkin dev` builds it: each PUT, copy,
 * multipart completion, delete and DeleteObjects is answered only once its invocations are enqueued, with S3's
 * record (validated against Powertools' strict S3Schema). A queue that cannot store — a real embedded queue,
 * closed — makes the client see 503 after the SDK's retries, the object stored; once the queue is back, a retry
 * produces the event again (at least once).
 */
import { join } from "node:path";
import { Readable } from "node:stream";
import { S3Schema } from "@aws-lambda-powertools/parser/schemas/s3";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registryResolver } from "../../../runtime/invocation/resolve-function.js";
import { FunctionRegistry } from "../../../runtime/manifest/function-registry.js";
import { type LoadedServices, loadServices } from "../../../runtime/manifest/load-services.js";
import type { ManifestWarning } from "../../../runtime/manifest/manifest-error.js";
import {
  bucketNotificationRules,
  bucketsOfS3Events,
  createDeclaredBuckets,
} from "../../../services/s3/declared-buckets.js";
import type { S3Service } from "../../../services/s3/s3-service.js";
import { queueInvocations } from "../../../triggers/async/queue-invocations.js";
import { EmbeddedJobQueue } from "../../../triggers/queue/embedded/embedded-job-queue.js";
import type { S3NotificationSink } from "../../../triggers/s3/interfaces/s3-notification-sink.js";
import { S3Notifications } from "../../../triggers/s3/s3-notifications.js";
import { freshDataDir, RecordingInvocations, s3Client, startTestS3 } from "../../support/s3.js";
import { freshStateDir } from "../../support/state-dir.js";

const SHOP = join(import.meta.dirname, "..", "..", "fixtures", "s3-buckets", "shop");
const MEDIA = "shop-dev-media";

describe("object events of Lambkin's S3", () => {
  let loaded: LoadedServices;
  let sinkOf: (invocations: RecordingInvocations | ReturnType<typeof queueInvocations>) => S3NotificationSink;
  let sink: S3NotificationSink | undefined;
  // Storing takes 50 ms: an answer given before the events were queued would find nothing recorded.
  const recorded = new RecordingInvocations(50);
  let service: S3Service;
  let client: S3Client;

  beforeAll(async () => {
    loaded = await loadServices(SHOP, { env: {} });
    const warnings: ManifestWarning[] = [];
    const rules = [
      ...loaded.s3Notifications,
      ...bucketNotificationRules(loaded.resources, loaded.functions, warnings),
    ];
    const resolver = registryResolver(new FunctionRegistry(loaded.functions));
    sinkOf = (invocations) => new S3Notifications(rules, resolver, invocations);
    sink = sinkOf(recorded);
    service = await startTestS3(freshDataDir(), () => sink);
    client = s3Client(service.endpoint);
    await createDeclaredBuckets(
      loaded.resources,
      client,
      pino({ level: "silent" }),
      bucketsOfS3Events(loaded.functions),
    );
  });
  afterAll(async () => {
    client?.destroy();
    await service?.close();
  });

  it("queues the invocation of a matching PUT before answering it, with S3's record", async () => {
    const put = await client.send(
      new PutObjectCommand({ Bucket: MEDIA, Key: "photos/cat 1+2.jpg", Body: Buffer.from("meow") }),
    );
    // No waiting: the answer came only once the invocation was enqueued.
    const [delivery, ...more] = recorded.take();
    expect(more).toEqual([]);
    expect(delivery?.functionName).toBe("shop-dev-thumbnails");
    const record = delivery?.record;
    expect(record).toMatchObject({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "eu-west-1",
      eventName: "ObjectCreated:Put",
      requestParameters: { sourceIPAddress: "127.0.0.1" },
      responseElements: { "x-amz-request-id": put.$metadata.requestId },
      s3: {
        configurationId: "MediaBucket-lambda-1",
        bucket: { name: MEDIA, arn: `arn:aws:s3:::${MEDIA}` },
        object: { key: "photos/cat+1%2B2.jpg", size: 4, eTag: put.ETag?.replace(/"/g, "") },
      },
    });
    expect(S3Schema.parse({ Records: [record] }).Records).toHaveLength(1);
  });

  it("queues nothing for a key no configuration matches, nor for a bucket none watches", async () => {
    await client.send(new PutObjectCommand({ Bucket: MEDIA, Key: "photos/readme.txt", Body: "no" }));
    await client.send(
      new PutObjectCommand({ Bucket: "shop-dev-logsbucket", Key: "photos/a.jpg", Body: "no" }),
    );
    await client.send(new PutObjectCommand({ Bucket: "shop-uploads", Key: "a.jpg", Body: "no" }));
    expect(recorded.take()).toEqual([]);
  });

  it("reports a streamed PUT with its decoded size, a copy, and a multipart upload as S3 names them", async () => {
    const streamed = Buffer.alloc(70_000, 7);
    await client.send(
      new PutObjectCommand({
        Bucket: MEDIA,
        Key: "photos/big.jpg",
        Body: Readable.from([streamed.subarray(0, 10), streamed.subarray(10)]),
        ContentLength: streamed.length,
      }),
    );
    await client.send(
      new CopyObjectCommand({ Bucket: MEDIA, Key: "photos/copy.jpg", CopySource: `${MEDIA}/photos/big.jpg` }),
    );
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: MEDIA, Key: "photos/mp.jpg" }),
    );
    const part = await client.send(
      new UploadPartCommand({
        Bucket: MEDIA,
        Key: "photos/mp.jpg",
        UploadId,
        PartNumber: 1,
        Body: "one part",
      }),
    );
    // The part is no object yet: two events so far.
    expect(
      recorded.take().map(({ record }) => [record.eventName, record.s3.object.key, record.s3.object.size]),
    ).toEqual([
      ["ObjectCreated:Put", "photos/big.jpg", streamed.length],
      ["ObjectCreated:Copy", "photos/copy.jpg", streamed.length],
    ]);
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: MEDIA,
        Key: "photos/mp.jpg",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    const [completed] = recorded.take();
    expect(completed?.record.eventName).toBe("ObjectCreated:CompleteMultipartUpload");
    expect(completed?.record.s3.object).toMatchObject({ key: "photos/mp.jpg", size: 8 });
  });

  it("keeps the events of one key in sequencer order", async () => {
    for (let round = 0; round < 5; round++) {
      await client.send(new PutObjectCommand({ Bucket: MEDIA, Key: "photos/again.jpg", Body: `v${round}` }));
    }
    const sequencers = recorded.take().map((delivery) => delivery.record.s3.object.sequencer);
    expect(sequencers).toHaveLength(5);
    expect([...sequencers].sort()).toEqual(sequencers);
    expect(new Set(sequencers).size).toBe(5);
  });

  it("reports deletions — DeleteObject and each key DeleteObjects removed — to the bucket's and the event's configurations", async () => {
    await client.send(new DeleteObjectCommand({ Bucket: MEDIA, Key: "photos/copy.jpg" }));
    const [deleted] = recorded.take();
    expect(deleted).toMatchObject({
      functionName: "shop-dev-audit",
      record: { eventName: "ObjectRemoved:Delete", s3: { configurationId: "MediaBucket-lambda-2" } },
    });
    await client.send(
      new DeleteObjectsCommand({
        Bucket: MEDIA,
        Delete: {
          Objects: [{ Key: "photos/big.jpg" }, { Key: "photos/mp.jpg" }, { Key: "photos/never.jpg" }],
        },
      }),
    );
    const removed = recorded.take();
    expect(removed.map((delivery) => delivery.record.s3.object.key).sort()).toEqual([
      "photos/big.jpg",
      "photos/mp.jpg",
    ]);
    expect(removed.every((delivery) => delivery.record.eventName === "ObjectRemoved:Delete")).toBe(true);
    await client.send(new DeleteObjectCommand({ Bucket: "shop-uploads", Key: "a.jpg" }));
    expect(recorded.take()).toMatchObject([
      { functionName: "shop-dev-audit", record: { s3: { configurationId: "shop-dev-audit-s3-1" } } },
    ]);
  });

  it("answers 503 while the queue cannot store the events, and a retry once it can delivers them", async () => {
    const stateDir = freshStateDir();
    const down = new EmbeddedJobQueue({ stateDir, reporter: () => {} });
    await down.close();
    const noRun = () => Promise.reject(new Error("S3 notifications run nothing synchronously"));
    sink = sinkOf(queueInvocations(down, noRun));
    try {
      const refused = await client
        .send(new PutObjectCommand({ Bucket: MEDIA, Key: "photos/outage.jpg", Body: Buffer.from("x") }))
        .then(
          () => undefined,
          (error: unknown) => error as { name: string; message: string; $metadata: Record<string, unknown> },
        );
      expect(refused).toMatchObject({
        name: "ServiceUnavailable",
        $metadata: { httpStatusCode: 503, attempts: 3 },
      });
      expect(refused?.message).toContain("LKN_ERR_S3_EVENTS_NOT_QUEUED");
      // The object is stored: only its events were not taken.
      const stored = await client.send(new GetObjectCommand({ Bucket: MEDIA, Key: "photos/outage.jpg" }));
      expect(await stored.Body?.transformToString()).toBe("x");

      const up = new EmbeddedJobQueue({ stateDir, reporter: () => {} });
      try {
        sink = sinkOf(queueInvocations(up, noRun));
        await client.send(new PutObjectCommand({ Bucket: MEDIA, Key: "photos/outage.jpg", Body: "x" }));
        expect(await up.counts()).toMatchObject({ ready: 1 });
      } finally {
        await up.close();
      }
    } finally {
      sink = sinkOf(recorded);
    }
  });
});
