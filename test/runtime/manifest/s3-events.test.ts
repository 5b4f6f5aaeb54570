/**
 * `s3` events become bucket notification rules, validated as S3's PutBucketNotificationConfiguration validates
 * them: event types, one prefix and one suffix, and no overlapping configurations on one bucket — across
 * services too.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManifestError } from "../../../runtime/manifest/manifest-error.js";
import { eventMatches, MAX_CONFIGURATIONS_PER_BUCKET } from "../../../runtime/manifest/s3-events.js";
import { fixture, load } from "./manifest-fixtures.js";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

/** A folder of services, one serverless.yml each, with these functions' events. */
async function services(...eventsPerService: string[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "lambkin-s3-manifest-"));
  folders.push(root);
  for (const [index, events] of eventsPerService.entries()) {
    const dir = join(root, `svc${index}`);
    await mkdir(dir);
    await writeFile(join(dir, "handler.js"), "exports.handler = async () => 1;\n");
    await writeFile(
      join(dir, "serverless.yml"),
      `service: svc${index}\nprovider: { name: aws, runtime: nodejs20.x }\nfunctions:\n${events}`,
    );
  }
  return root;
}

async function loadFailure(dir: string): Promise<ManifestError> {
  try {
    await load(dir);
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error("expected a ManifestError");
}

describe("s3 events", () => {
  it("reads the Framework's forms: a bucket name, settings with rules, and !Ref to a declared bucket", async () => {
    const { s3Notifications, warnings } = await load(fixture("..", "s3-events"));
    expect(warnings).toEqual([]);
    expect(
      s3Notifications.map(({ functionName, bucket, event, prefix, suffix, configurationId, region }) => ({
        functionName,
        bucket,
        event,
        prefix,
        suffix,
        configurationId,
        region,
      })),
    ).toEqual([
      {
        functionName: "s3events-dev-thumbnails",
        bucket: "photos",
        event: "s3:ObjectCreated:*",
        prefix: "uploads/",
        suffix: ".jpg",
        configurationId: "s3events-dev-thumbnails-s3-1",
        region: "eu-west-1",
      },
      {
        functionName: "s3events-dev-cleanup",
        bucket: "photos",
        event: "s3:ObjectRemoved:Delete",
        prefix: "",
        suffix: "",
        configurationId: "s3events-dev-cleanup-s3-1",
        region: "eu-west-1",
      },
      {
        functionName: "s3events-dev-documents",
        bucket: "s3events-dev-documents",
        event: "s3:ObjectCreated:*",
        prefix: "",
        suffix: "",
        configurationId: "s3events-dev-documents-s3-1",
        region: "eu-west-1",
      },
      {
        functionName: "s3events-dev-failing",
        bucket: "broken",
        event: "s3:ObjectCreated:*",
        prefix: "",
        suffix: "",
        configurationId: "s3events-dev-failing-s3-1",
        region: "eu-west-1",
      },
    ]);
  });

  it("refuses an event type S3 does not have, naming the key", async () => {
    const error = await loadFailure(
      await services(
        "  a:\n    handler: handler.handler\n    events:\n      - s3: { bucket: photos, event: s3:ObjectCreated:Upload }\n",
      ),
    );
    expect(error.keyPath).toBe("functions.a.events[0].s3.event");
    expect(error.problem).toContain('"s3:ObjectCreated:Upload" is not an S3 event type');
    expect(error.code).toBe("LKN_ERR_MANIFEST_EVENT");
  });

  it.each([
    [
      "two prefix rules",
      "rules: [{ prefix: a/ }, { prefix: b/ }]",
      "events[0].s3.rules[1]",
      /second prefix rule/,
    ],
    ["a rule that is neither", "rules: [{ contains: a }]", "events[0].s3.rules[0]", /one \{ prefix: text \}/],
    ["an unknown setting", "batchSize: 10", "events[0].s3.batchSize", /not a setting of s3 events/],
    ["S3's test event as a type", "event: s3:TestEvent", "events[0].s3.event", /not an S3 event type/],
    [
      "a suffix over 1024 characters",
      `rules: [{ suffix: ${"x".repeat(1025)} }]`,
      "events[0].s3.rules[0].suffix",
      /over S3's 1024/,
    ],
    ["existing that is not a boolean", "existing: yes-please", "events[0].s3.existing", /true or false/],
    ["rules that are not a list", "rules: { prefix: a/ }", "events[0].s3.rules", /must be a list/],
    ["a bad bucket name", "event: s3:ObjectCreated:*", "events[0].s3.bucket", /is missing/],
    [
      "an unresolved !Ref",
      "event: s3:ObjectCreated:Put, bucket: !Ref Missing",
      "events[0].s3.bucket",
      /!Ref Missing names no resource/,
    ],
    [
      "a bucket ARN",
      "event: s3:ObjectCreated:Put, bucket: 'arn:aws:s3:::photos'",
      "events[0].s3.bucket",
      /is a bucket ARN/,
    ],
    [
      "uppercase letters",
      "event: s3:ObjectCreated:Put, bucket: Photos",
      "events[0].s3.bucket",
      /"Photos" is not a valid S3 bucket name/,
    ],
  ])("refuses %s", async (_name, settings, keyPath, problem) => {
    const bucket = settings.startsWith("event: s3:ObjectCreated") ? "" : "bucket: photos, ";
    const error = await loadFailure(
      await services(
        `  a:\n    handler: handler.handler\n    events:\n      - s3: { ${bucket}${settings} }\n`,
      ),
    );
    expect(error.keyPath).toBe(`functions.a.${keyPath}`);
    expect(error.problem).toMatch(problem);
  });

  it("refuses overlapping configurations on one bucket, as S3 does", async () => {
    const error = await loadFailure(
      await services(
        "  a:\n    handler: handler.handler\n    events:\n      - s3: { bucket: photos, event: s3:ObjectCreated:*, rules: [{ prefix: uploads/ }] }\n" +
          "  b:\n    handler: handler.handler\n    events:\n      - s3: { bucket: photos, event: s3:ObjectCreated:Put, rules: [{ prefix: uploads/2026/ }] }\n",
      ),
    );
    expect(error.keyPath).toBe("functions.b.events[0].s3");
    expect(error.problem).toContain("overlaps functions.a.events[0].s3 on bucket photos");
    expect(error.problem).toContain("Configurations overlap");
  });

  it("refuses an overlap across two services, naming the other file", async () => {
    const error = await loadFailure(
      await services(
        "  a:\n    handler: handler.handler\n    events:\n      - s3: photos\n",
        "  b:\n    handler: handler.handler\n    events:\n      - s3: { bucket: photos, rules: [{ suffix: .png }] }\n",
      ),
    );
    expect(error.problem).toMatch(/overlaps functions\.a\.events\[0\]\.s3 in .*svc0.*serverless\.yml/);
  });

  it("accepts configurations that cannot match the same key or event", async () => {
    const { s3Notifications } = await load(
      await services(
        "  a:\n    handler: handler.handler\n    events:\n" +
          "      - s3: { bucket: photos, rules: [{ prefix: images/ }] }\n" +
          "      - s3: { bucket: photos, rules: [{ prefix: videos/ }] }\n" +
          "      - s3: { bucket: photos, event: s3:ObjectRemoved:*, rules: [{ prefix: images/ }] }\n" +
          "      - s3: { bucket: photos, rules: [{ prefix: docs/ }, { suffix: .pdf }] }\n" +
          "      - s3: { bucket: photos, rules: [{ prefix: docs/ }, { suffix: .txt }] }\n",
      ),
    );
    expect(s3Notifications).toHaveLength(5);
  });

  it("refuses configuration 201 of one bucket (Lambkin's bound on the overlap check), naming it", async () => {
    const events = Array.from(
      { length: MAX_CONFIGURATIONS_PER_BUCKET + 1 },
      (_, n) => `      - s3: { bucket: photos, rules: [{ prefix: p${n}/ }] }\n`,
    ).join("");
    const error = await loadFailure(
      await services(`  a:\n    handler: handler.handler\n    events:\n${events}`),
    );
    expect(error.keyPath).toBe(`functions.a.events[${MAX_CONFIGURATIONS_PER_BUCKET}].s3`);
    expect(error.problem).toMatch(/at most 200 s3 events per bucket/);
  });

  it("loads thousands of configurations spread over buckets (200 per bucket, the most)", async () => {
    const events = Array.from(
      { length: 5_000 },
      (_, n) => `      - s3: { bucket: b-${n % 25}, rules: [{ prefix: p${n}/ }] }\n`,
    ).join("");
    const { s3Notifications } = await load(
      await services(`  a:\n    handler: handler.handler\n    events:\n${events}`),
    );
    expect(s3Notifications).toHaveLength(5_000);
  });

  it("matches event names with S3's wildcards, with or without the s3: prefix", () => {
    expect(eventMatches("s3:ObjectCreated:*", "ObjectCreated:Put")).toBe(true);
    expect(eventMatches("s3:ObjectCreated:*", "s3:ObjectCreated:CompleteMultipartUpload")).toBe(true);
    expect(eventMatches("s3:ObjectCreated:Put", "ObjectCreated:Copy")).toBe(false);
    expect(eventMatches("s3:ObjectRemoved:*", "ObjectCreated:Put")).toBe(false);
    expect(eventMatches("s3:ObjectRemoved:Delete", "ObjectRemoved:Delete")).toBe(true);
  });
});
