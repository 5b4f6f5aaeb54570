/**
 * The real gateway (createGateway on startRuntime of functions/hello, which declares API Gateway routes) with the
 * embedded SQS store on the embedded job queue's own database, as `lambkin dev` runs it, listening on a free port.
 * Hands out @aws-sdk/client-sqs clients (MD5 checks on, the default) and runs /usr/bin/aws against it.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { createGateway } from "../../../gateway/gateway-app.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import { EmbeddedSqsStore } from "../../../triggers/sqs/embedded/embedded-sqs-store.js";
import { HELLO_SERVICE, TEST_KEY } from "../invoke-api/invoke-api-server.js";
import { type LocalBackend, localBackend } from "../local-backend.js";

export { TEST_KEY };
export const AWS_CLI = "/usr/bin/aws";

export interface SqsApiServer {
  readonly app: FastifyInstance;
  readonly runtime: LambkinRuntime;
  readonly local: LocalBackend;
  readonly store: EmbeddedSqsStore | undefined;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  client(config?: Partial<SQSClientConfig>): SQSClient;
  /** `aws sqs <args> --endpoint-url <endpoint>` (query protocol), in a clean environment. */
  aws(args: string[], key?: { accessKeyId: string; secretAccessKey: string }): Promise<CliRun>;
  close(): Promise<void>;
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function startSqsApiServer(
  options: { accessKeys?: ReadonlyMap<string, string>; withStore?: boolean } = {},
): Promise<SqsApiServer> {
  if (!existsSync(AWS_CLI)) throw new Error(`${AWS_CLI} is missing: install Debian's awscli package`);
  const runtime = await startRuntime({ dir: HELLO_SERVICE, logger: pino({ level: "silent" }), env: {} });
  const local = await localBackend(runtime);
  // A short slice: long polls also look at the queue on their own (a wake-up is what the tests check).
  const store =
    options.withStore === false
      ? undefined
      : new EmbeddedSqsStore({ database: local.queue.database, region: "us-east-1", pollSliceMs: 60_000 });
  const app = await createGateway({
    backend: local.backend,
    logger: pino({ level: "silent" }),
    accessKeys: options.accessKeys ?? new Map(),
    ...(store ? { sqsStore: store } : {}),
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  const home = await mkdtemp(join(tmpdir(), "lambkin-sqs-cli-"));
  await writeFile(join(home, "config"), "");
  await writeFile(join(home, "credentials"), "");
  const clients: SQSClient[] = [];
  return {
    app,
    runtime,
    local,
    store,
    endpoint,
    client(config = {}) {
      const client = new SQSClient({
        endpoint,
        region: "us-east-1",
        credentials: TEST_KEY,
        maxAttempts: 1,
        ...config,
      });
      clients.push(client);
      return client;
    },
    aws(args, key = TEST_KEY) {
      const env = {
        PATH: "/usr/bin:/bin",
        HOME: home,
        AWS_ACCESS_KEY_ID: key.accessKeyId,
        AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_CONFIG_FILE: join(home, "config"),
        AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
        AWS_PAGER: "",
        AWS_MAX_ATTEMPTS: "1",
        AWS_EC2_METADATA_DISABLED: "true",
      };
      return new Promise((resolve) => {
        execFile(
          AWS_CLI,
          ["sqs", ...args, "--endpoint-url", endpoint, "--output", "json"],
          { env, cwd: home, maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
        );
      });
    },
    async close() {
      for (const client of clients) client.destroy();
      await app.close();
      await store?.close();
      await local.close();
      await runtime.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** A queue name no other test uses. */
let counter = 0;
export function uniqueQueueName(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The error an SDK call rejects with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as Error & Record<string, unknown>,
  );
  if (!outcome) throw new Error("expected the call to fail, it succeeded");
  return outcome;
}
