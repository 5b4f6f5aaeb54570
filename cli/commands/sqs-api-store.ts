/**
 * The SQS store the gateway's SQS API serves (gateway/sqs-api/), opened on the job queue's backend as
 * openSqsStore chooses it (Redis under `<prefix>:sqs` when REDIS_URL is set, else the embedded file's open
 * connection). Its region is the services' (the first function's provider region, as their queue ARNs are
 * computed), else AWS_REGION, else us-east-1.
 */
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import type { JobQueue } from "../../triggers/queue/interfaces/job-queue.js";
import type { SqsStore } from "../../triggers/sqs/interfaces/index.js";
import { openSqsStore } from "../../triggers/sqs/open-sqs-store.js";

export function sqsRegionOf(registry: FunctionRegistry, env: NodeJS.ProcessEnv = process.env): string {
  return registry.all()[0]?.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1");
}

export function openSqsApiStore(
  registry: FunctionRegistry,
  jobQueue: JobQueue,
  redis: { readonly redisUrl: string | undefined; readonly prefix: string },
): Promise<SqsStore> {
  return openSqsStore({
    jobQueue,
    region: sqsRegionOf(registry),
    prefix: redis.prefix,
    ...(redis.redisUrl === undefined ? {} : { redisUrl: redis.redisUrl }),
  });
}
