/**
 * The SQS API on the gateway's port (docs/architecture.md "SQS API and the AWS protocol layer"): the operations of sqs-operations.ts in both
 * wire protocols SQS clients use — JSON 1.0 (`X-Amz-Target: AmazonSQS.<Op>`, @aws-sdk/client-sqs, awsQueryCompatible)
 * and query (`Action=<Op>`, form-encoded, the aws CLI 2.9) — over the SqsStore port, so the messages live in the
 * job queue's backend. A gateway without a store answers every SQS request ServiceUnavailable (503), naming why.
 */
import type { SqsStore } from "../../triggers/sqs/interfaces/index.js";
import type { AwsServiceDefinition } from "../aws-protocols/aws-service-plugin.js";
import { asWireError, noStore } from "./sqs-api-errors.js";
import { SQS_MAX_REQUEST_BODY_BYTES } from "./sqs-limits.js";
import { SQS_OPERATIONS } from "./sqs-operations.js";
import { queryInput } from "./sqs-query-input.js";
import { queryOutput } from "./sqs-query-output.js";

export const SQS_QUERY_NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/";
export const SQS_SERVICE_ROUTE = { service: "sqs", jsonTargetPrefix: "AmazonSQS." } as const;

export function sqsApi(store: SqsStore | undefined): AwsServiceDefinition {
  const operations = new Set(SQS_OPERATIONS.keys());
  const run = async (
    operation: string,
    input: Record<string, unknown>,
    call: Parameters<AwsServiceDefinition["query"]["handle"]>[2],
  ) => {
    const implementation = SQS_OPERATIONS.get(operation);
    if (!store || !implementation) throw noStore();
    try {
      return await implementation(store, input, call);
    } catch (error) {
      throw asWireError(error);
    }
  };
  return {
    service: SQS_SERVICE_ROUTE.service,
    bodyLimit: SQS_MAX_REQUEST_BODY_BYTES,
    json: {
      serviceTarget: "AmazonSQS",
      namespace: "com.amazonaws.sqs",
      awsQueryCompatible: true,
      operations,
      handle: run,
    },
    query: {
      namespace: SQS_QUERY_NAMESPACE,
      actions: operations,
      handle: async (action, parameters, call) =>
        queryOutput(action, await run(action, queryInput(action, parameters), call)),
    },
  };
}
