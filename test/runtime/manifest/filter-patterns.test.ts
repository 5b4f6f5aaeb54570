/**
 * filterPatterns refused at load with the file and the key path of the faulty filter, as a ManifestError the
 * loader reports like any other.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { manifestFilterCriteria } from "../../../runtime/manifest/filter-patterns.js";
import { ManifestError } from "../../../runtime/manifest/manifest-error.js";
import { load } from "./manifest-fixtures.js";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function service(events: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lambkin-filter-manifest-"));
  folders.push(dir);
  await writeFile(join(dir, "handler.js"), "exports.handler = async () => 1;\n");
  await writeFile(
    join(dir, "serverless.yml"),
    `service: filters\nprovider: { name: aws, runtime: nodejs20.x }\nfunctions:\n  worker:\n    handler: handler.handler\n    events:\n${events}`,
  );
  return dir;
}

const PATH = ["functions", "worker", "events", 0, "sqs", "filterPatterns"] as const;

function failure(written: unknown): ManifestError {
  try {
    manifestFilterCriteria(written, "/srv/serverless.yml", PATH);
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error("expected a ManifestError");
}

describe("manifestFilterCriteria", () => {
  it("compiles good patterns, and none means every record passes", () => {
    const criteria = manifestFilterCriteria([{ body: { status: ["paid"] } }], "/srv/serverless.yml", PATH);
    expect(criteria.matches({ body: { status: "paid" } })).toBe(true);
    expect(criteria.matches({ body: { status: "due" } })).toBe(false);
    expect(manifestFilterCriteria(undefined, "/srv/serverless.yml", PATH).matches({})).toBe(true);
  });

  it("points at the faulty filter", () => {
    const error = failure([{ body: ["ok"] }, { body: { n: [{ wildcard: "*" }] } }]);
    expect(error.file).toBe("/srv/serverless.yml");
    expect(error.keyPath).toBe("functions.worker.events[0].sqs.filterPatterns[1]");
    expect(error.problem).toMatch(/filter 2: n: the wildcard operator is EventBridge's/);
    expect(error.code).toBe("LKN_ERR_MANIFEST_EVENT");
  });

  it("points at the list when the list is wrong", () => {
    const error = failure(Array.from({ length: 6 }, () => ({ body: ["x"] })));
    expect(error.keyPath).toBe("functions.worker.events[0].sqs.filterPatterns");
    expect(error.problem).toMatch(/6 filters: Lambda takes at most 5/);
    expect(failure({ body: ["x"] }).keyPath).toBe("functions.worker.events[0].sqs.filterPatterns");
  });

  it("points at a filter whose Pattern text is not JSON", () => {
    expect(failure([{ Pattern: "{" }]).keyPath).toBe("functions.worker.events[0].sqs.filterPatterns[0]");
  });

  it("is checked when the manifest loads, for sqs and stream events alike", async () => {
    const good = await service(
      "      - sqs:\n          arn: arn:aws:sqs:us-east-1:000000000000:orders\n          filterPatterns:\n            - body: { status: [paid] }\n",
    );
    await expect(load(good)).resolves.toBeDefined();
    for (const [type, settings] of [
      ["sqs", "arn: arn:aws:sqs:us-east-1:000000000000:orders"],
      [
        "stream",
        "type: dynamodb\n          arn: arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000",
      ],
    ] as const) {
      const bad = await service(
        `      - ${type}:\n          ${settings}\n          filterPatterns:\n            - eventName: [INSERT]\n            - dynamodb: { Keys: { id: { S: [{ wildcard: "a*" }] } } }\n`,
      );
      const error = await load(bad).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error, type).toBeInstanceOf(ManifestError);
      expect((error as ManifestError).keyPath).toBe(`functions.worker.events[0].${type}.filterPatterns[1]`);
      expect((error as ManifestError).problem).toMatch(/wildcard operator is EventBridge's/);
    }
  });
});
