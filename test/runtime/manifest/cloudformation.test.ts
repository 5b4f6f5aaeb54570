/** CloudFormation tags parse; Ref, GetAtt, Sub, Join and Select are computed in environments and events. */
import { beforeAll, describe, expect, it } from "vitest";
import type { FunctionDefinition } from "../../../runtime/manifest/function-definition.js";
import { fixture, invalidFixtureError, load } from "./manifest-fixtures.js";

describe("CloudFormation intrinsic functions", () => {
  let api: FunctionDefinition;
  beforeAll(async () => {
    const { functions } = await load(fixture("cloudformation"));
    api = functions.find((fn) => fn.key === "api") as FunctionDefinition;
  });

  it("parses every short-form tag, even in resources Lambkin never reads", async () => {
    const { warnings } = await load(fixture("cloudformation"));
    // No YAML warning (an unknown tag would be one); the sqs/s3/stream events are only "not fired yet", and the
    // resource types Lambkin does not create are said so.
    const others = warnings.filter(
      (warning) =>
        warning.code !== "LKN_WRN_MANIFEST_EVENT_NOT_FIRED" &&
        warning.code !== "LKN_WRN_RESOURCE_TYPE_NOT_CREATED",
    );
    expect(others).toEqual([]);
    const notCreated = warnings.filter((warning) => warning.code === "LKN_WRN_RESOURCE_TYPE_NOT_CREATED");
    expect(notCreated.length).toBeGreaterThan(0);
    for (const warning of notCreated) expect(warning.message).toMatch(/AWS::\S+ is not created locally/);
  });

  it("resolves Ref to each resource's name (SQS: its URL, SNS: its ARN), short and long form", () => {
    expect(api.environment).toMatchObject({
      TABLE: "cfn-demo-dev-coupons",
      TABLE_LONG_FORM: "cfn-demo-dev-coupons",
      BUCKET: "cfn-demo-dev-uploads",
      GENERATED_BUCKET: "cfn-demo-dev-unnamedbucket",
      QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/000000000000/jobs-dev",
      TOPIC_ARN: "arn:aws:sns:eu-west-1:000000000000:alerts",
    });
  });

  it("resolves GetAtt to ARNs in the local account, S3 ARNs without region or account", () => {
    expect(api.environment).toMatchObject({
      TABLE_ARN: "arn:aws:dynamodb:eu-west-1:000000000000:table/cfn-demo-dev-coupons",
      TABLE_ARN_LONG_FORM: "arn:aws:dynamodb:eu-west-1:000000000000:table/cfn-demo-dev-coupons",
      STREAM_ARN:
        "arn:aws:dynamodb:eu-west-1:000000000000:table/cfn-demo-dev-coupons/stream/1970-01-01T00:00:00.000",
      BUCKET_ARN: "arn:aws:s3:::cfn-demo-dev-uploads",
      QUEUE_ARN: "arn:aws:sqs:eu-west-1:000000000000:jobs-dev",
      QUEUE_NAME: "jobs-dev",
    });
  });

  it(`resolves Sub with pseudo parameters, resources, attributes, a variable map and \${!Literal}`, () => {
    expect(api.environment.SUB).toBe(
      `cfn-demo-dev|eu-west-1|000000000000|cfn-demo-dev-coupons|arn:aws:sqs:eu-west-1:000000000000:jobs-dev|\${Literal}`,
    );
    expect(api.environment.SUB_WITH_MAP).toBe("cfn-demo-dev-uploads/cfn-demo-dev-coupons");
  });

  it("resolves Join and Select", () => {
    expect(api.environment.JOINED).toBe("cfn-demo-dev-coupons:arn:aws:s3:::cfn-demo-dev-uploads:plain");
    expect(api.environment.SELECTED).toBe("b");
  });

  it("resolves the service's own functions by their Serverless logical id", () => {
    expect(api.environment.WORKER_NAME).toBe("cfn-demo-dev-worker");
    expect(api.environment.WORKER_ARN).toBe(
      "arn:aws:lambda:eu-west-1:000000000000:function:cfn-demo-dev-worker",
    );
  });

  it("resolves intrinsics in events", () => {
    expect(api.events).toEqual([
      { sqs: { arn: "arn:aws:sqs:eu-west-1:000000000000:jobs-dev" } },
      { s3: { bucket: "cfn-demo-dev-uploads", event: "s3:ObjectCreated:*", existing: true } },
      {
        stream: {
          type: "dynamodb",
          arn: "arn:aws:dynamodb:eu-west-1:000000000000:table/cfn-demo-dev-coupons/stream/1970-01-01T00:00:00.000",
        },
      },
    ]);
  });

  it("follows --stage into resource names", async () => {
    const { functions } = await load(fixture("cloudformation"), { stage: "prod" });
    expect(functions[0]?.environment.TABLE).toBe("cfn-demo-prod-coupons");
  });
});

describe("CloudFormation errors", () => {
  it("names a Ref to an undeclared resource", async () => {
    const error = await invalidFixtureError("cfn-unknown-resource");
    expect(error.keyPath).toBe("functions.hello.environment.TABLE.Ref");
    expect(error.problem).toBe("there is no resource MissingTable under resources.Resources");
  });

  it("rejects ImportValue, which has no local answer", async () => {
    const error = await invalidFixtureError("cfn-import-value");
    expect(error.keyPath).toBe("functions.hello.environment.TABLE.Fn::ImportValue");
    expect(error.fix).toContain(`\${env:NAME`);
  });

  it("rejects resource types Lambkin cannot name", async () => {
    const error = await invalidFixtureError("cfn-unsupported-type");
    expect(error.keyPath).toBe("functions.hello.environment.ROLE.Fn::GetAtt");
    expect(error.problem).toBe("Lambkin cannot tell what AppRole (AWS::IAM::Role) resolves to");
  });

  it("lists the attributes it knows", async () => {
    const error = await invalidFixtureError("cfn-unknown-attribute");
    expect(error.problem).toBe("AWS::DynamoDB::Table has no attribute Nope that Lambkin knows");
    expect(error.fix).toBe("Use one of: Arn, StreamArn");
  });

  it("rejects conditions, which need a deployed stack", async () => {
    const error = await invalidFixtureError("cfn-condition");
    expect(error.keyPath).toBe("functions.hello.environment.MODE.Fn::If");
    expect(error.problem).toBe("cannot be computed before deployment");
  });
});

describe("declared resources", () => {
  it("lists the queues, topics, tables and buckets with their names, Ref, attributes and computed properties", async () => {
    const { resources } = await load(fixture("cloudformation"));
    expect(resources.map((resource) => `${resource.logicalId}:${resource.type}:${resource.name}`)).toEqual([
      "CouponsTable:AWS::DynamoDB::Table:cfn-demo-dev-coupons",
      "UploadsBucket:AWS::S3::Bucket:cfn-demo-dev-uploads",
      "UnnamedBucket:AWS::S3::Bucket:cfn-demo-dev-unnamedbucket",
      "JobsQueue:AWS::SQS::Queue:jobs-dev",
      "AlertsTopic:AWS::SNS::Topic:alerts",
    ]);
    const queue = resources.find((resource) => resource.logicalId === "JobsQueue");
    expect(queue).toMatchObject({
      ref: "https://sqs.eu-west-1.amazonaws.com/000000000000/jobs-dev",
      attributes: { Arn: "arn:aws:sqs:eu-west-1:000000000000:jobs-dev", QueueName: "jobs-dev" },
      region: "eu-west-1",
      keyPath: ["resources", "Resources", "JobsQueue"],
    });
    const bucket = resources.find((resource) => resource.logicalId === "UploadsBucket");
    expect(bucket?.properties).toEqual({ BucketName: "cfn-demo-dev-uploads" });
  });
});
