/**
 * The in-process hook an embedded S3 calls (S3Notifications.notify), over the real Invocations port of a real
 * embedded queue: one asynchronous invocation per (event, matching configuration), matched on the key as
 * stored (prefix and suffix are case-sensitive, as S3's are), the event given to the function form-encoded;
 * and a queue that cannot take an event makes notify reject, so that the caller (the HTTP route: 503) does not
 * claim it was queued.
 */
import { join } from "node:path";
import { S3Schema } from "@aws-lambda-powertools/parser/schemas/s3";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../../runtime/errors/service-errors.js";
import { registryResolver } from "../../../runtime/invocation/resolve-function.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import type { S3NotificationRule } from "../../../runtime/manifest/s3-events.js";
import { S3Notifications } from "../../../triggers/s3/s3-notifications.js";
import { type LocalBackend, localBackend } from "../../gateway/local-backend.js";
import { eventually } from "../../support/eventually.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const SERVICE = join(ROOT, "test", "fixtures", "s3-events");
/** The fixture's function that always fails (maximumRetryAttempts: 0): its events end as dead letters. */
const FAILING = "s3events-dev-failing";

function rule(overrides: Partial<S3NotificationRule>): S3NotificationRule {
  return {
    functionName: FAILING,
    bucket: "media",
    event: "s3:ObjectCreated:*",
    prefix: "",
    suffix: "",
    configurationId: "hook-test",
    region: "eu-central-1",
    manifestPath: join(SERVICE, "serverless.yml"),
    keyPath: ["functions", "failing", "events", 0, "s3"],
    ...overrides,
  };
}

describe("the S3 notification hook", () => {
  let runtime: LambkinRuntime;
  let local: LocalBackend;

  beforeAll(async () => {
    runtime = await startRuntime({ dir: SERVICE, logger: pino({ level: "silent" }), env: {} });
    local = await localBackend(runtime);
  });
  afterAll(async () => {
    await local?.close();
    await runtime?.close();
  });

  const notifications = (rules: S3NotificationRule[]) =>
    new S3Notifications(rules, registryResolver(runtime.registry), local.backend.invocations);

  it("matches the stored key (case-sensitive prefix/suffix, wildcard event) and hands the function S3's event", async () => {
    const hook = notifications([
      rule({ prefix: "my photos/", suffix: ".JPG", configurationId: "photos-created" }),
      rule({ event: "s3:ObjectRemoved:Delete", configurationId: "photos-removed" }),
    ]);
    expect(hook.watches("media")).toBe(true);
    expect(hook.watches("other")).toBe(false);
    const result = await hook.notify([
      {
        bucket: "media",
        key: "my photos/café 1.JPG",
        eventName: "ObjectCreated:CompleteMultipartUpload",
        size: 7,
      },
      { bucket: "media", key: "my photos/café 2.jpg", eventName: "ObjectCreated:Put" }, // suffix case differs
      { bucket: "media", key: "My Photos/x.JPG", eventName: "ObjectCreated:Put" }, // prefix case differs
      { bucket: "media", key: "old.txt", eventName: "s3:ObjectRemoved:Delete" },
      { bucket: "media", key: "old.txt", eventName: "ObjectRemoved:DeleteMarkerCreated" },
      { bucket: "elsewhere", key: "my photos/a.JPG", eventName: "ObjectCreated:Put" },
    ]);
    expect(result).toEqual({ invocations: 2 });
    const letters = await eventually(async () => {
      const found = (await local.queue.deadLetters.list()).filter(
        (letter) => letter.invocation?.source === "s3:media",
      );
      expect(found).toHaveLength(2);
      return found;
    });
    const events = letters.map(
      (letter) => JSON.parse(letter.invocation?.payload ?? "") as { Records: unknown[] },
    );
    for (const event of events) expect(S3Schema.strict().parse(event)).toEqual(event);
    type Delivered = { eventName: string; s3: { configurationId: string } };
    const records = events.map((event) => event.Records[0] as Delivered);
    const created = records.find((record) => record.s3.configurationId === "photos-created");
    expect(created).toMatchObject({
      awsRegion: "eu-central-1",
      eventName: "ObjectCreated:CompleteMultipartUpload",
      s3: { bucket: { name: "media" }, object: { key: "my+photos/caf%C3%A9+1.JPG", size: 7 } },
    });
    expect(created?.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const removed = records.find((record) => record.s3.configurationId === "photos-removed");
    expect(removed).toMatchObject({ eventName: "ObjectRemoved:Delete", s3: { object: { key: "old.txt" } } });
  });

  it("rejects when the queue cannot take the event, rather than claim it was queued", async () => {
    const closing = await localBackend(runtime);
    const hook = new S3Notifications(
      [rule({ bucket: "closed" })],
      registryResolver(runtime.registry),
      closing.backend.invocations,
    );
    await closing.close();
    const failure = await hook
      .notify([{ bucket: "closed", key: "a.txt", eventName: "ObjectCreated:Put" }])
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    // The Invocations port's ServiceException: what the route answers as 503, "post them again".
    expect(failure).toBeInstanceOf(ServiceError);
    expect((failure as ServiceError).statusCode).toBeGreaterThanOrEqual(500);
  });
});
