/**
 * The parse-time checks that replace or extend the YAML parser's own: duplicate keys (found in linear time,
 * as errors with their key path), merge keys, ordinary anchors and aliases, and the bounds' edges.
 */
import { describe, expect, it } from "vitest";
import { MAX_MANIFEST_BYTES, MAX_NESTING_DEPTH } from "../../../runtime/manifest/manifest-limits.js";
import { parseManifest } from "../../../runtime/manifest/read-manifest.js";

const FILE = "/srv/service/serverless.yml";

function refusal(source: string) {
  try {
    parseManifest(FILE, source);
  } catch (error) {
    return error as { code: string; keyPath: string; problem: string };
  }
  throw new Error("expected the manifest to be refused");
}

describe("manifest parse checks", () => {
  it("refuses a key repeated in one mapping, naming it and its position", () => {
    expect(refusal("service: a\nprovider:\n  name: aws\n  name: gcp\n")).toMatchObject({
      code: "LKN_ERR_MANIFEST_YAML",
      keyPath: "provider.name",
      problem: "YAML syntax error at line 4, column 3: Map keys must be unique",
    });
    expect(refusal("custom: {a: 1, a: 2}\n")).toMatchObject({ keyPath: "custom.a" });
  });

  it("reads anchors, aliases and repeated << merge keys as the Framework does", () => {
    const { document } = parseManifest(
      FILE,
      "custom:\n  base: &base {memorySize: 256}\n  extra: &extra {timeout: 10}\nfunctions:\n  a:\n    <<: *base\n    <<: *extra\n    handler: h.a\n  b: {<<: [*base, *extra], handler: h.b}\n",
    );
    expect(document.functions).toEqual({
      a: { memorySize: 256, timeout: 10, handler: "h.a" },
      b: { memorySize: 256, timeout: 10, handler: "h.b" },
    });
  });

  it("accepts nesting up to the bound and refuses one level more", () => {
    const nested = (depth: number) => `custom:\n  deep: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
    // `custom` and `deep` are two levels of block mappings; the flow lists add the rest.
    expect(() => parseManifest(FILE, nested(MAX_NESTING_DEPTH - 2))).not.toThrow();
    expect(refusal(nested(MAX_NESTING_DEPTH + 1))).toMatchObject({
      code: "LKN_ERR_MANIFEST_LIMIT",
      keyPath: "custom.deep",
    });
  });

  it("refuses a file over the size bound", () => {
    expect(refusal(`service: a\n# ${"x".repeat(MAX_MANIFEST_BYTES)}\n`)).toMatchObject({
      code: "LKN_ERR_MANIFEST_LIMIT",
      keyPath: "",
    });
  });
});
