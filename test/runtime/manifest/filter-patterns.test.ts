/**
 * filterPatterns refused at load with the file and the key path of the faulty filter, as a ManifestError the
 * loader reports like any other.
 */
import { describe, expect, it } from "vitest";
import { manifestFilterCriteria } from "../../../runtime/manifest/filter-patterns.js";
import { ManifestError } from "../../../runtime/manifest/manifest-error.js";

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
});
