// The SDK clients every handler shares, made once per execution environment (outside the handler, so warm
// invocations reuse their connections: https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html).
// Default configuration only: the region is Lambda's AWS_REGION, and an endpoint other than AWS's comes from
// AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 when they are set (Lambkin sets them; on AWS they are not), as
// every SDK reads them (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

let documents;
let objects;

export function dynamo() {
  documents ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documents;
}

export function s3() {
  objects ??= new S3Client({});
  return objects;
}

/** A setting the service's serverless.yml gives every function; missing means a broken deployment. */
export function setting(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: deploy the function with the service's serverless.yml`);
  return value;
}
