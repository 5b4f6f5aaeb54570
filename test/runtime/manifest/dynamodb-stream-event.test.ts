/**
 * DynamoDB `stream` events of serverless.yml and the settings all streams share: the table's StreamArn by GetAtt
 * or as written, the Framework's defaults, Lambda's limits refused with the key path and a fix, and what Lambkin
 * does not reproduce (tumbling windows) or AWS would refuse (a function as onFailure) reported at load.
 * https://www.serverless.com/framework/docs/providers/aws/events/streams
 */
import { describe, expect, it } from "vitest";
import { dynamoDbStreamSettings } from "../../../runtime/manifest/dynamodb-stream-event.js";
import { ManifestError, type ManifestWarning } from "../../../runtime/manifest/manifest-error.js";
import { streamMappingSettings } from "../../../runtime/manifest/stream-event-settings.js";
import { validateStreamEvent } from "../../../runtime/manifest/stream-events.js";
import { fixture, load } from "./manifest-fixtures.js";

const FILE = "/srv/orders/serverless.yml";
const PATH = ["functions", "project", "events", 0, "stream"];
const ARN = "arn:aws:dynamodb:eu-west-1:000000000000:table/orders-dev/stream/1970-01-01T00:00:00.000";

function problem(value: unknown): ManifestError {
  try {
    validateStreamEvent(value, FILE, PATH, []);
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error("expected a ManifestError");
}

describe("DynamoDB stream events", () => {
  it("reads every setting of the fixture, the table's StreamArn computed", async () => {
    const { functions, warnings } = await load(fixture("dynamodb-streams"));
    const [first, short, windowed] = functions[0]?.events.map((event) => event.stream) ?? [];
    const at = (index: number) => ["functions", "project", "events", index, "stream"];
    expect(dynamoDbStreamSettings(first, FILE, at(0), [])).toEqual({
      stream: {
        arn: ARN,
        region: "eu-west-1",
        account: "000000000000",
        tableName: "orders-dev",
        label: "1970-01-01T00:00:00.000",
      },
      batchSize: 250,
      startingPosition: { type: "LATEST" },
    });
    expect(streamMappingSettings(first, FILE, at(0), [])).toEqual({
      enabled: true,
      batchWindowSeconds: 5,
      maximumRetryAttempts: 3,
      maximumRecordAgeSeconds: 3600,
      bisectBatchOnFunctionError: true,
      parallelizationFactor: 4,
      reportBatchItemFailures: true,
      filterPatterns: [{ eventName: ["INSERT"] }],
      onFailure: {
        kind: "queue",
        reference: "arn:aws:sqs:eu-west-1:000000000000:order-failures",
        keyPath: "functions.project.events[0].stream.destinations.onFailure",
      },
    });
    // The short form: the Framework's defaults (batchSize 10, TRIM_HORIZON) and Lambda's (-1, -1, 1, 0).
    expect(dynamoDbStreamSettings(short, FILE, at(1), [])).toMatchObject({
      batchSize: 10,
      startingPosition: { type: "TRIM_HORIZON" },
    });
    expect(streamMappingSettings(short, FILE, at(1), [])).toEqual({
      enabled: true,
      batchWindowSeconds: 0,
      maximumRetryAttempts: -1,
      maximumRecordAgeSeconds: -1,
      bisectBatchOnFunctionError: false,
      parallelizationFactor: 1,
      reportBatchItemFailures: false,
    });
    expect(windowed).toBeDefined();
    const keyPaths = warnings.map((warning) => warning.keyPath);
    expect(keyPaths).toContain("functions.project.events[2].stream.tumblingWindowInSeconds");
    expect(keyPaths).toContain("functions.project.events[2].stream.destinations.onFailure");
    expect(keyPaths.filter((path) => path.includes("events[0]") || path.includes("events[1]"))).toEqual([]);
    expect(
      warnings.find((warning) => warning.keyPath.endsWith("tumblingWindowInSeconds"))?.message,
    ).toContain("not reproduced");
  });

  it("refuses settings past Lambda's limits, naming the key and the fix", () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ batchSize: 10_001 }, "batchSize", /1 to 10000/],
      [{ batchSize: 0 }, "batchSize", /1 to 10000/],
      [{ batchWindow: 301 }, "batchWindow", /0 to 300/],
      [{ maximumRetryAttempts: -2 }, "maximumRetryAttempts", /-1, or from 0 to 10000/],
      [{ maximumRetryAttempts: 10_001 }, "maximumRetryAttempts", /10000/],
      [{ maximumRecordAgeInSeconds: 59 }, "maximumRecordAgeInSeconds", /-1, or from 60 to 604800/],
      [{ maximumRecordAgeInSeconds: 604_801 }, "maximumRecordAgeInSeconds", /604800/],
      [{ parallelizationFactor: 11 }, "parallelizationFactor", /1 to 10/],
      [{ bisectBatchOnFunctionError: "yes" }, "bisectBatchOnFunctionError", /true or false/],
      [{ functionResponseType: "Partial" }, "functionResponseType", /ReportBatchItemFailures/],
      [{ startingPosition: "AT_TIMESTAMP" }, "startingPosition", /Kinesis only|TRIM_HORIZON or LATEST/],
      [{ filterPatterns: "eventName" }, "filterPatterns", /list/],
      [{ destinations: { onSuccess: "x" } }, "destinations.onSuccess", /only onFailure/],
      [{ type: "mongodb" }, "type", /dynamodb or kinesis/],
    ];
    for (const [setting, key, message] of cases) {
      const error = problem({ type: "dynamodb", arn: ARN, ...setting });
      expect(error.keyPath, key).toBe(`functions.project.events[0].stream.${key}`);
      expect(error.message, key).toMatch(message);
      expect(error.code, key).toBe("LKN_ERR_MANIFEST_EVENT");
    }
  });

  it("refuses an ARN that is not a DynamoDB stream's, and a GetAtt that could not be computed", () => {
    expect(
      problem({ type: "dynamodb", arn: "arn:aws:dynamodb:eu-west-1:000000000000:table/orders" }).keyPath,
    ).toBe("functions.project.events[0].stream.arn");
    expect(problem({ type: "dynamodb", arn: { "Fn::GetAtt": ["Missing", "StreamArn"] } }).message).toMatch(
      /must be a DynamoDB stream ARN/,
    );
    expect(problem({ type: "dynamodb" }).message).toContain("!GetAtt <Table>.StreamArn");
  });

  it("reports nothing for a plain event, and refuses Kinesis-only settings", () => {
    const warnings: ManifestWarning[] = [];
    validateStreamEvent({ type: "dynamodb", arn: ARN }, FILE, PATH, warnings);
    validateStreamEvent(ARN, FILE, PATH, warnings);
    expect(warnings).toEqual([]);
    expect(problem({ type: "dynamodb", arn: ARN, consumer: true }).keyPath).toBe(
      "functions.project.events[0].stream.consumer",
    );
    expect(problem({ arn: ARN, startingPositionTimestamp: 1 }).keyPath).toBe(
      "functions.project.events[0].stream.startingPositionTimestamp",
    );
  });
});
