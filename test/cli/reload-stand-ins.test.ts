// A `lambkin dev` that started with no table and no bucket (so no DynamoDB Local and no S3 stand-in) starts them
// when a serverless.yml edit declares the first ones, on one real process and real files: the table and the bucket
// are created there (AWS SDK v3 clients), and the function's environment — warm before the edit — is recycled so that
// its next invocation sees AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_S3 pointing at them.
import { chmodSync, mkdtempSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { removeFolder, saveByRename } from "../../bench/hot-reload-services.js";
import { eventually } from "../support/eventually.js";
import { tableYaml } from "../support/table-yaml.js";
import { type LambkinProcess, startLambkin, stopLambkin } from "./cluster-process.js";

const id = Math.random().toString(36).slice(2, 8);
const TABLE = `si-orders-${id}`;
const BUCKET = `si-files-${id}`;
const credentials = { accessKeyId: "AKIDLAMBKIN", secretAccessKey: "lambkin" };

const HANDLER = `
let served = 0;
exports.probe = async () => ({
  statusCode: 200,
  body: JSON.stringify({
    served: ++served,
    dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? null,
    s3: process.env.AWS_ENDPOINT_URL_S3 ?? null,
  }),
});
`;

function manifest(withResources: boolean): string {
  const resources = withResources
    ? `resources:
  Resources:
${tableYaml("Orders", TABLE)}    Files:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: ${BUCKET}
`
    : "";
  return `service: si${id}
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
functions:
  probe:
    handler: handler.probe
    events:
      - httpApi: 'GET /probe'
${resources}`;
}

interface Probe {
  readonly served: number;
  readonly dynamodb: string | null;
  readonly s3: string | null;
}

let dev: LambkinProcess | undefined;
let root: string | undefined;
afterEach(async () => {
  await stopLambkin(dev);
  dev = undefined;
  await removeFolder(root);
  root = undefined;
});

describe("lambkin dev: a reload that declares the first table and bucket", () => {
  it("starts DynamoDB Local and S3, creates them, and points recycled environments at them", async () => {
    root = mkdtempSync(join(tmpdir(), "lambkin-stand-ins-"));
    chmodSync(root, 0o755);
    await writeFile(join(root, "handler.js"), HANDLER);
    await writeFile(join(root, "serverless.yml"), manifest(false));
    // Free ports for the stand-ins: other tests' Lambkins may hold the defaults.
    dev = await startLambkin("dev", root, { LAMBKIN_DYNAMODB_PORT: "0", LAMBKIN_S3_PORT: "0" });
    const probe = async (): Promise<Probe> => (await (await fetch(`${dev?.url}/probe`)).json()) as Probe;
    expect(await probe()).toEqual({ served: 1, dynamodb: null, s3: null });
    expect(dev.output()).not.toMatch(/DynamoDB Local on/);

    saveByRename(join(root, "serverless.yml"), manifest(true));
    const pointed = await eventually(async () => {
      const answer = await probe();
      if (!answer.dynamodb || !answer.s3) throw new Error(`not pointed yet: ${JSON.stringify(answer)}`);
      return answer;
    }, 60_000);
    // A new environment: the warm one could not have seen endpoints that did not exist when it started.
    expect(pointed.served).toBe(1);
    const output = dev.output();
    expect(output).toContain(`DynamoDB Local on ${pointed.dynamodb}`);
    expect(output).toContain(`S3 on ${pointed.s3}`);
    expect(output).not.toMatch(/LKN_WRN_RELOAD_SOURCE_FAILED/);

    const dynamodb = new DynamoDBClient({
      endpoint: pointed.dynamodb as string,
      region: "us-east-1",
      credentials,
    });
    const s3 = new S3Client({
      endpoint: pointed.s3 as string,
      region: "us-east-1",
      credentials,
      forcePathStyle: true,
    });
    try {
      const table = await dynamodb.send(new DescribeTableCommand({ TableName: TABLE }));
      expect(table.Table?.TableStatus).toBe("ACTIVE");
      const bucket = await s3.send(new HeadBucketCommand({ Bucket: BUCKET }));
      expect(bucket.$metadata.httpStatusCode).toBe(200);
    } finally {
      dynamodb.destroy();
      s3.destroy();
    }
    // GET /_lambkin/endpoints reports them too.
    const endpoints = (await (await fetch(`${dev.url}/_lambkin/endpoints`)).json()) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(endpoints)).toContain(pointed.dynamodb as string);
  }, 90_000);
});
