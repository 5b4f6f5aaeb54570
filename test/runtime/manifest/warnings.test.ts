/** What Lambkin does not reproduce is reported as a warning, never dropped silently. */
import { beforeAll, describe, expect, it } from "vitest";
import { isLambkinCode } from "../../../runtime/errors/lambkin-codes.js";
import type { LoadedServices } from "../../../runtime/manifest/load-services.js";
import { fixture, load } from "./manifest-fixtures.js";

const MANIFEST = fixture("warnings", "serverless.yml");

describe("warnings", () => {
  let loaded: LoadedServices;
  const warningAt = (keyPath: string) => loaded.warnings.filter((warning) => warning.keyPath === keyPath);
  beforeAll(async () => {
    loaded = await load(fixture("warnings"));
  });

  it("warns about each unsupported setting, at its key", () => {
    for (const key of ["provisionedConcurrency", "destinations.onFailure", "layers", "url"]) {
      expect(warningAt(`functions.busy.${key}`), key).toHaveLength(1);
    }
    expect(warningAt("provider.layers")[0]?.message).toContain("Runtime.ImportModuleError");
    expect(warningAt("functions.busy.layers")[0]).toEqual({
      file: MANIFEST,
      keyPath: "functions.busy.layers",
      message:
        "not supported by Lambkin yet: layers are not mounted at /opt: code that imports from a layer fails with Runtime.ImportModuleError",
      code: "LKN_WRN_MANIFEST_UNSUPPORTED",
    });
  });

  it("reads the asynchronous-invocation settings; event buses are warned, queue and topic ARNs are delivered to", () => {
    expect(warningAt("functions.busy.maximumRetryAttempts")).toEqual([]);
    expect(warningAt("functions.busy.maximumEventAge")).toEqual([]);
    const busy = loaded.functions.find((fn) => fn.key === "busy");
    expect(busy?.asyncInvocation).toEqual({
      maximumRetryAttempts: 0,
      maximumEventAgeSeconds: 3600,
      onFailure: {
        kind: "eventBus",
        reference: "arn:aws:events:us-east-1:123456789012:event-bus/default",
        keyPath: "functions.busy.destinations.onFailure",
      },
      deadLetter: {
        kind: "topic",
        reference: "arn:aws:sns:us-east-1:123456789012:errors",
        keyPath: "functions.busy.onError",
      },
    });
    expect(warningAt("functions.busy.destinations.onFailure")[0]?.message).toContain(
      "EventBridge buses do not receive",
    );
    expect(warningAt("functions.busy.destinations.onFailure")[0]?.message).toContain(
      "keeps a failed event as a dead letter",
    );
    expect(warningAt("functions.busy.onError")).toEqual([]);
  });

  it("warns about no kept event type as not fired: schedules, sqs, s3 and streams fire", () => {
    for (const [index, type] of [
      [2, "schedule"],
      [3, "sqs"],
      [4, "s3"],
      [5, "stream"],
      [9, "sqs"],
    ] as const) {
      expect(
        warningAt(`functions.busy.events[${index}].${type}`).filter(
          (warning) => warning.code === "LKN_WRN_MANIFEST_EVENT_NOT_FIRED",
        ),
        type,
      ).toEqual([]);
    }
    expect(warningAt("functions.busy.events[0].http")).toEqual([]);
    expect(warningAt("functions.busy.events[1].httpApi")).toEqual([]);
  });

  it("gives every warning a code from the catalogue", () => {
    for (const warning of loaded.warnings) expect(isLambkinCode(warning.code), warning.keyPath).toBe(true);
    expect(warningAt("functions.busy.events[7].eventBridge")[0]?.code).toBe(
      "LKN_WRN_MANIFEST_EVENT_UNSUPPORTED",
    );
    expect(warningAt("functions.busy.events[6].sns")).toEqual([]);
    expect(warningAt("functions.busy.architecture")[0]?.code).toBe("LKN_WRN_MANIFEST_ARCHITECTURE");
  });

  it("warns about an unknown architecture but not about arm64", () => {
    expect(warningAt("functions.busy.architecture")[0]?.message).toContain(
      "sparc is not a Lambda architecture",
    );
    expect(warningAt("provider.architecture")).toEqual([]);
  });

  it("loads container image functions without a warning (the docker sandbox runs them)", () => {
    expect(loaded.functions.map((fn) => fn.key)).toEqual(["busy", "containerized"]);
    expect(warningAt("functions.containerized.image")).toEqual([]);
  });

  it("keeps the event types Lambkin handles and warns about the others", () => {
    const types = loaded.functions[0]?.events.map((event) => Object.keys(event)[0]);
    expect(types).toEqual(["http", "httpApi", "schedule", "sqs", "s3", "stream", "sns", "sqs"]);
    expect(loaded.functions[0]?.events[0]).toEqual({ http: "GET /busy" });
    for (const [index, type] of [
      [7, "eventBridge"],
      [8, "websocket"],
    ] as const) {
      expect(warningAt(`functions.busy.events[${index}].${type}`)[0]?.message).toContain(
        "will not fire locally",
      );
    }
  });

  it("keeps an event whose intrinsic cannot be computed as written, with a warning", () => {
    expect(loaded.functions[0]?.events[7]).toEqual({
      sqs: { arn: { "Fn::ImportValue": "other-stack-queue-arn" } },
    });
    expect(warningAt("functions.busy.events[9].sqs.arn.Fn::ImportValue")[0]?.message).toContain(
      "may not fire locally",
    );
  });

  it("warns about an unknown YAML tag", () => {
    const tagWarnings = loaded.warnings.filter((warning) => warning.message.includes("!UnknownTag"));
    expect(tagWarnings).toHaveLength(1);
    expect(tagWarnings[0]?.message).toMatch(
      /^YAML at line \d+, column \d+: .*Lambkin reads the value as if it had no tag$/,
    );
  });

  it("says nothing about settings irrelevant to running code (iam, vpc, tags, plugins, package …)", () => {
    expect(loaded.warnings.map((warning) => warning.keyPath).sort()).toEqual([
      "",
      "functions.busy.architecture",
      "functions.busy.destinations.onFailure",
      "functions.busy.events[7].eventBridge",
      "functions.busy.events[8].websocket",
      "functions.busy.events[9].sqs.arn.Fn::ImportValue",
      "functions.busy.layers",
      "functions.busy.provisionedConcurrency",
      "functions.busy.url",
      "provider.layers",
    ]);
  });
});
