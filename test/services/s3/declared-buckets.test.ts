/**
 * The buckets of a serverless.yml (test/fixtures/s3-buckets/, loaded with the real manifest loader) in Lambkin's
 * real S3 through @aws-sdk/client-s3: AWS::S3::Bucket resources and the buckets of s3 events without
 * `existing: true` are created once, however many processes start at the same time, with their CORS rules; their
 * LambdaConfigurations become notification rules checked as S3 checks them (overlaps with functions' own s3
 * events included), and what is not reproduced is warned with its key path.
 */
import { join } from "node:path";
import { GetBucketCorsCommand, ListBucketsCommand, type S3Client } from "@aws-sdk/client-s3";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoadedServices, loadServices } from "../../../runtime/manifest/load-services.js";
import { ManifestError, type ManifestWarning } from "../../../runtime/manifest/manifest-error.js";
import type { ServiceResource } from "../../../runtime/manifest/service-resources.js";
import {
  bucketNotificationRules,
  bucketsOfS3Events,
  createDeclaredBuckets,
} from "../../../services/s3/declared-buckets.js";
import type { S3Service } from "../../../services/s3/s3-service.js";
import { freshDataDir, s3Client, startTestS3 } from "../../support/s3.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "s3-buckets");
const SHOP = join(FIXTURES, "shop");
const MANIFEST = join(SHOP, "serverless.yml");
const SHOP_BUCKETS = ["shop-dev-logsbucket", "shop-dev-media", "shop-uploads"];
const silent = pino({ level: "silent" });

async function bucketNames(client: S3Client): Promise<string[]> {
  const listed = await client.send(new ListBucketsCommand({}));
  return (listed.Buckets ?? []).map((bucket) => bucket.Name as string).sort();
}

describe("declared buckets", () => {
  let shop: LoadedServices;
  let media: ServiceResource;

  beforeAll(async () => {
    shop = await loadServices(SHOP, { env: {} });
    media = shop.resources.find((resource) => resource.logicalId === "MediaBucket") as ServiceResource;
  });

  describe("in Lambkin's S3", () => {
    let service: S3Service;
    let client: S3Client;

    beforeAll(async () => {
      service = await startTestS3(freshDataDir());
      client = s3Client(service.endpoint);
    });
    afterAll(async () => {
      client?.destroy();
      await service?.close();
    });

    it("creates the declared buckets and those of s3 events without existing: true, once", async () => {
      expect(bucketsOfS3Events(shop.functions)).toEqual(["shop-uploads"]);
      const first = await createDeclaredBuckets(
        shop.resources,
        client,
        silent,
        bucketsOfS3Events(shop.functions),
      );
      expect(first.created.sort()).toEqual(SHOP_BUCKETS);
      expect(first.existing).toEqual([]);
      expect(await bucketNames(client)).toEqual(SHOP_BUCKETS);
      const again = await createDeclaredBuckets(
        shop.resources,
        client,
        silent,
        bucketsOfS3Events(shop.functions),
      );
      expect(again.created).toEqual([]);
      expect(again.existing.sort()).toEqual(SHOP_BUCKETS);
    });

    it("applies the bucket's CorsConfiguration, which the S3 then answers browsers with", async () => {
      const cors = await client.send(new GetBucketCorsCommand({ Bucket: "shop-dev-media" }));
      expect(cors.CORSRules).toEqual([
        {
          AllowedMethods: ["GET", "PUT"],
          AllowedOrigins: ["https://shop.example.com"],
          AllowedHeaders: ["*"],
          ExposeHeaders: ["ETag"],
          MaxAgeSeconds: 3000,
        },
      ]);
      const preflight = (origin: string) =>
        fetch(`${service.endpoint}/shop-dev-media/photos/a.jpg`, {
          method: "OPTIONS",
          headers: { Origin: origin, "Access-Control-Request-Method": "PUT" },
        });
      const allowed = await preflight("https://shop.example.com");
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get("access-control-allow-methods")).toBe("GET, PUT");
      expect((await preflight("https://elsewhere.example.com")).status).toBe(403);
    });
  });

  it("is safe when several processes create the buckets at the same time", async () => {
    const service = await startTestS3(freshDataDir());
    const clients = [1, 2, 3, 4].map(() => s3Client(service.endpoint));
    try {
      const results = await Promise.all(
        clients.map((client) =>
          createDeclaredBuckets(shop.resources, client, silent, bucketsOfS3Events(shop.functions)),
        ),
      );
      for (const result of results)
        expect([...result.created, ...result.existing].sort()).toEqual(SHOP_BUCKETS);
      expect(await bucketNames(clients[0] as S3Client)).toEqual(SHOP_BUCKETS);
    } finally {
      for (const client of clients) client.destroy();
      await service.close();
    }
  });

  it("makes notification rules of LambdaConfigurations, and warns at the key path of what it does not reproduce", () => {
    const warnings: ManifestWarning[] = [];
    const rules = bucketNotificationRules(shop.resources, shop.functions, warnings);
    const at = ["resources", "Resources", "MediaBucket", "Properties", "NotificationConfiguration"];
    expect(rules).toEqual([
      {
        functionName: "shop-dev-thumbnails",
        bucket: "shop-dev-media",
        event: "s3:ObjectCreated:*",
        prefix: "photos/",
        suffix: ".jpg",
        configurationId: "MediaBucket-lambda-1",
        region: "eu-west-1",
        manifestPath: MANIFEST,
        keyPath: [...at, "LambdaConfigurations", 0],
      },
      {
        functionName: "shop-dev-audit",
        bucket: "shop-dev-media",
        event: "s3:ObjectRemoved:*",
        prefix: "",
        suffix: "",
        configurationId: "MediaBucket-lambda-2",
        region: "eu-west-1",
        manifestPath: MANIFEST,
        keyPath: [...at, "LambdaConfigurations", 1],
      },
    ]);
    expect(warnings.map(({ code, file, keyPath }) => ({ code, file, keyPath }))).toEqual([
      {
        code: "LKN_WRN_RESOURCE_PROPERTY_IGNORED",
        file: MANIFEST,
        keyPath: "resources.Resources.MediaBucket.Properties.VersioningConfiguration",
      },
      {
        code: "LKN_WRN_RESOURCE_PROPERTY_IGNORED",
        file: MANIFEST,
        keyPath: "resources.Resources.MediaBucket.Properties.Tags",
      },
      {
        code: "LKN_WRN_S3_NOTIFICATION_NOT_DELIVERED",
        file: MANIFEST,
        keyPath: "resources.Resources.MediaBucket.Properties.NotificationConfiguration.QueueConfigurations",
      },
    ]);
    expect(warnings[0]?.message).toContain("objects keep no versions");
  });

  it("refuses a LambdaConfiguration that overlaps a function's own s3 event on its bucket, as S3 does", async () => {
    const overlap = await loadServices(join(FIXTURES, "overlap"), { env: {} });
    const refusal = (() => {
      try {
        bucketNotificationRules(overlap.resources, overlap.functions, []);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(ManifestError);
    expect(refusal).toMatchObject({
      code: "LKN_ERR_RESOURCE_INVALID",
      keyPath:
        "resources.Resources.PhotosBucket.Properties.NotificationConfiguration.LambdaConfigurations[0]",
    });
    expect((refusal as Error).message).toContain("overlaps functions.resize.events[0].s3");
  });

  describe("refuses what CloudFormation or S3 would, at the key path", () => {
    const lambda = (change: Record<string, unknown>) => ({
      NotificationConfiguration: {
        LambdaConfigurations: [
          {
            Event: "s3:ObjectCreated:*",
            Function: "arn:aws:lambda:eu-west-1:000000000000:function:shop-dev-thumbnails",
            ...change,
          },
        ],
      },
    });
    const configurations = "resources.Resources.MediaBucket.Properties.NotificationConfiguration";
    it.each([
      [
        "an unknown event type",
        lambda({ Event: "s3:ObjectCreated" }),
        `${configurations}.LambdaConfigurations[0].Event`,
      ],
      [
        "a function's name for its ARN",
        lambda({ Function: "shop-dev-thumbnails" }),
        `${configurations}.LambdaConfigurations[0].Function`,
      ],
      [
        "two prefix rules",
        lambda({
          Filter: {
            S3Key: {
              Rules: [
                { Name: "prefix", Value: "a/" },
                { Name: "Prefix", Value: "b/" },
              ],
            },
          },
        }),
        `${configurations}.LambdaConfigurations[0].Filter.S3Key.Rules[1]`,
      ],
      [
        "a property NotificationConfiguration does not have",
        { NotificationConfiguration: { LambdaConfiguration: [] } },
        `${configurations}.LambdaConfiguration`,
      ],
      [
        "a CORS method S3 does not take",
        { CorsConfiguration: { CorsRules: [{ AllowedMethods: ["PATCH"], AllowedOrigins: ["*"] }] } },
        "resources.Resources.MediaBucket.Properties.CorsConfiguration.CorsRules[0].AllowedMethods",
      ],
    ])("%s", (_what, properties, keyPath) => {
      const changed = { ...media, properties: { BucketName: media.name, ...properties } };
      expect(() => bucketNotificationRules([changed], shop.functions, [])).toThrow(
        expect.objectContaining({ code: "LKN_ERR_RESOURCE_INVALID", keyPath }),
      );
    });

    it("an invalid bucket name, and one bucket declared twice", () => {
      const named = (name: string, logicalId = "MediaBucket") => ({
        ...media,
        logicalId,
        name,
        properties: { BucketName: name },
        keyPath: ["resources", "Resources", logicalId],
      });
      expect(() => bucketNotificationRules([named("Shop_Media")], shop.functions, [])).toThrow(
        expect.objectContaining({ keyPath: "resources.Resources.MediaBucket.Properties.BucketName" }),
      );
      expect(() =>
        bucketNotificationRules([named("shop-media"), named("shop-media", "Again")], shop.functions, []),
      ).toThrow(
        expect.objectContaining({
          code: "LKN_ERR_RESOURCE_INVALID",
          keyPath: "resources.Resources.Again.Properties.BucketName",
        }),
      );
    });
  });

  it("warns, and delivers nothing, for a function it has not loaded or a version it does not run", () => {
    const warnings: ManifestWarning[] = [];
    const changed = {
      ...media,
      properties: {
        BucketName: media.name,
        NotificationConfiguration: {
          LambdaConfigurations: [
            {
              Event: "s3:ObjectCreated:*",
              Function: "arn:aws:lambda:eu-west-1:123456789012:function:billing-prod-ingest",
            },
            {
              Event: "s3:ObjectRemoved:*",
              Function: "arn:aws:lambda:eu-west-1:000000000000:function:shop-dev-audit:live",
            },
          ],
        },
      },
    };
    expect(bucketNotificationRules([changed], shop.functions, warnings)).toEqual([]);
    expect(warnings.map(({ code, keyPath }) => ({ code, keyPath }))).toEqual(
      [0, 1].map((index) => ({
        code: "LKN_WRN_S3_NOTIFICATION_NOT_DELIVERED",
        keyPath: `resources.Resources.MediaBucket.Properties.NotificationConfiguration.LambdaConfigurations[${index}].Function`,
      })),
    );
    expect(warnings[0]?.message).toContain("billing-prod-ingest, which Lambkin has not loaded");
    expect(warnings[1]?.message).toContain("alias live");
  });
});
