/**
 * What `lambkin dev` composes for SNS, in-process for tests: a runtime on the sns-topics fixture (process
 * sandbox, function lines captured), a real embedded queue (SQLite) with its consumer, Lambkin's SNS on it
 * (startSns: the topic store and the SQS store in the same file), the topics of serverless.yml declared, and the
 * gateway serving the SNS API on a free port. Retry delays 0 s.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SNSClient } from "@aws-sdk/client-sns";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { createGateway } from "../../../gateway/gateway-app.js";
import { snsServiceDefinition } from "../../../gateway/sns-api/sns-api.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import { startAsyncInvocations } from "../../../triggers/async/async-invocations.js";
import { retryPolicy } from "../../../triggers/async/retry-policy.js";
import { EmbeddedJobQueue } from "../../../triggers/queue/embedded/embedded-job-queue.js";
import { type SnsRuntime, startSns } from "../../../triggers/sns/start-sns.js";

export const SNS_FIXTURE = new URL("../../fixtures/sns-topics", import.meta.url).pathname;

export interface SnsHarness {
  readonly url: string;
  readonly sns: SnsRuntime;
  readonly queue: EmbeddedJobQueue;
  readonly client: SNSClient;
  /** The events a function printed (`RECORD <name> <json>` lines). */
  received(functionName: string): unknown[];
  /** Every line the functions wrote, for warnings. */
  readonly warnings: string[];
  close(): Promise<void>;
}

export async function startSnsHarness(): Promise<SnsHarness> {
  const lines: { fn: string; text: string }[] = [];
  const warnings: string[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(line) });
  const runtime: LambkinRuntime = await startRuntime({
    dir: SNS_FIXTURE,
    logger: pino({ level: "silent" }),
    functionLogs: { line: (fn, _requestId, text) => lines.push({ fn, text }) },
    env: {},
  });
  const stateDir = await mkdtemp(join(tmpdir(), "lambkin-sns-"));
  const queue = new EmbeddedJobQueue({ stateDir, idlePollMs: 20, reporter: () => {} });
  const sns = await startSns({
    queue,
    redisUrl: undefined,
    prefix: "lambkin",
    registry: runtime.registry,
    declarations: runtime.services.sns,
    logger,
  });
  const async = startAsyncInvocations({
    runtime,
    queue,
    logger,
    retries: retryPolicy([0]),
    destinationServices: sns.destinationServices,
  });
  sns.bindInvocations(async.invocations);
  await sns.declare();
  const app: FastifyInstance = await createGateway({
    backend: { registry: runtime.registry, invocations: async.invocations },
    logger: pino({ level: "silent" }),
    awsServices: [snsServiceDefinition(sns.service)],
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  sns.setEndpointUrl(url);
  const client = new SNSClient({
    endpoint: url,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDSNS", secretAccessKey: "secret" },
    maxAttempts: 1,
  });
  return {
    url,
    sns,
    queue,
    client,
    warnings,
    received(functionName) {
      const prefix = `RECORD ${functionName} `;
      return lines.flatMap((line) => {
        const at = line.text.indexOf(prefix);
        return at === -1 ? [] : [JSON.parse(line.text.slice(at + prefix.length))];
      });
    },
    async close() {
      client.destroy();
      await app.close();
      await async.consumer.close({ timeoutMs: 0 });
      await sns.close();
      await runtime.close();
      await queue.close({ timeoutMs: 0 });
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
