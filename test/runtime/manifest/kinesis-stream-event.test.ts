/**
 * Kinesis `stream` events of serverless.yml: the stream's ARN from an AWS::Kinesis::Stream resource or as written,
 * batchSize, startingPosition (AT_TIMESTAMP with its timestamp), and enhanced fan-out reported as not reproduced.
 * https://www.serverless.com/framework/docs/providers/aws/events/streams
 */
import { describe, expect, it } from "vitest";
import type { FunctionDefinition } from "../../../runtime/manifest/function-definition.js";
import {
  isKinesisStreamEvent,
  kinesisStreamSettings,
} from "../../../runtime/manifest/kinesis-stream-event.js";
import { ManifestError, type ManifestWarning } from "../../../runtime/manifest/manifest-error.js";
import { fixture, load } from "./manifest-fixtures.js";

const FILE = "/srv/clicks/serverless.yml";
const PATH = ["functions", "count", "events", 0, "stream"];
const ARN = "arn:aws:kinesis:eu-west-1:000000000000:stream/clicks-dev";

function settings(value: unknown, warnings: ManifestWarning[] = []) {
  return kinesisStreamSettings(value, FILE, PATH, warnings);
}
function problem(value: unknown): ManifestError {
  try {
    settings(value);
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error("expected a ManifestError");
}

describe("AWS::Kinesis::Stream resources", () => {
  it("Ref is the stream's name, GetAtt Arn its ARN in the local account", async () => {
    const { functions, resources } = await load(fixture("kinesis-streams"));
    expect(functions[0]?.environment).toMatchObject({ STREAM_NAME: "clicks-dev", STREAM_ARN: ARN });
    expect(resources.find((resource) => resource.logicalId === "GeneratedStream")).toMatchObject({
      type: "AWS::Kinesis::Stream",
      name: "clicks-dev-GeneratedStream",
      attributes: { Arn: "arn:aws:kinesis:eu-west-1:000000000000:stream/clicks-dev-GeneratedStream" },
    });
  });
});

describe("Kinesis stream events", () => {
  it("reads each event of the fixture, with its stream's ARN computed", async () => {
    const { functions } = await load(fixture("kinesis-streams"));
    const count = functions[0] as FunctionDefinition;
    const streams = count.events.map((event) => event.stream);
    expect(streams.every(isKinesisStreamEvent)).toBe(true);
    const warnings: ManifestWarning[] = [];
    const [clicks, generated, elsewhere] = streams.map((stream, index) =>
      kinesisStreamSettings(stream, FILE, ["functions", "count", "events", index, "stream"], warnings),
    );
    expect(clicks).toEqual({
      streamArn: ARN,
      streamName: "clicks-dev",
      region: "eu-west-1",
      batchSize: 500,
      startingPosition: { type: "AT_TIMESTAMP", timestamp: new Date(1_700_000_000_500) },
    });
    expect(generated).toMatchObject({
      streamName: "clicks-dev-GeneratedStream",
      batchSize: 10,
      startingPosition: { type: "LATEST" },
    });
    // A plain ARN string: the Framework tells the type by the ARN's service, and deploys its defaults.
    expect(elsewhere).toMatchObject({
      streamName: "elsewhere",
      region: "us-east-2",
      batchSize: 10,
      startingPosition: { type: "TRIM_HORIZON" },
    });
    expect(warnings).toEqual([
      {
        file: FILE,
        keyPath: "functions.count.events[1].stream.consumer",
        message: expect.stringContaining("enhanced fan-out"),
        code: "LKN_WRN_MANIFEST_UNSUPPORTED",
      },
    ]);
    expect(warnings[0]?.message).toContain("polls the stream's shards with GetRecords instead");
  });

  it("tells Kinesis events from DynamoDB ones", () => {
    expect(isKinesisStreamEvent({ type: "dynamodb", arn: "arn:aws:dynamodb:x:1:table/t/stream/l" })).toBe(
      false,
    );
    expect(isKinesisStreamEvent("arn:aws:dynamodb:eu-west-1:000000000000:table/t/stream/label")).toBe(false);
    expect(isKinesisStreamEvent({ arn: ARN, startingPosition: "LATEST" })).toBe(true);
    expect(isKinesisStreamEvent({ type: "kinesis", arn: { "Fn::GetAtt": ["Missing", "Arn"] } })).toBe(true);
  });

  it("refuses what is not a Kinesis data stream ARN, naming the key", () => {
    const consumerArn = `${ARN}/consumer/fanout:1700000000`;
    const error = problem({ type: "kinesis", arn: consumerArn, startingPosition: "LATEST" });
    expect(error.keyPath).toBe("functions.count.events[0].stream.arn");
    expect(error.problem).toContain("must be a Kinesis data stream ARN");
    expect(error.code).toBe("LKN_ERR_MANIFEST_EVENT");
    expect(
      problem({ type: "kinesis", arn: { "Fn::ImportValue": "x" }, startingPosition: "LATEST" }).keyPath,
    ).toBe("functions.count.events[0].stream.arn");
    expect(problem("arn:aws:kinesis:eu-west-1:000000000000:stream/").keyPath).toBe(
      "functions.count.events[0].stream",
    );
  });

  it("keeps batchSize within 1–10,000", () => {
    for (const bad of [0, 10_001, 1.5, "100", -1]) {
      const error = problem({ arn: ARN, startingPosition: "LATEST", batchSize: bad });
      expect(error.keyPath).toBe("functions.count.events[0].stream.batchSize");
    }
    expect(settings({ arn: ARN, startingPosition: "LATEST", batchSize: 10_000 }).batchSize).toBe(10_000);
    expect(settings({ arn: ARN, startingPosition: "LATEST", batchSize: 1 }).batchSize).toBe(1);
  });

  it("takes a known startingPosition (TRIM_HORIZON when left out), and a timestamp with AT_TIMESTAMP only", () => {
    expect(settings({ arn: ARN }).startingPosition).toEqual({ type: "TRIM_HORIZON" });
    expect(problem({ arn: ARN, startingPosition: "AT_SEQUENCE_NUMBER" }).keyPath).toBe(
      "functions.count.events[0].stream.startingPosition",
    );
    expect(problem({ arn: ARN, startingPosition: "AT_TIMESTAMP" }).problem).toBe(
      "is required with startingPosition: AT_TIMESTAMP",
    );
    expect(
      problem({ arn: ARN, startingPosition: "AT_TIMESTAMP", startingPositionTimestamp: "yesterday" }).keyPath,
    ).toBe("functions.count.events[0].stream.startingPositionTimestamp");
    expect(
      problem({ arn: ARN, startingPosition: "LATEST", startingPositionTimestamp: 1_700_000_000 }).problem,
    ).toContain("only goes with startingPosition: AT_TIMESTAMP");
    expect(settings({ arn: ARN, startingPosition: "LATEST" }).startingPosition).toEqual({ type: "LATEST" });
  });
});
