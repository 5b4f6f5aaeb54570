/**
 * Starts the real gateway (createGateway on startRuntime) on a fixture folder, listening on a free port, and
 * hands out AWS SDK clients pointed at it. Tests talk to it only over HTTP, as real clients do.
 */
import { join } from "node:path";
import { LambdaClient } from "@aws-sdk/client-lambda";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { createGateway } from "../../../gateway/gateway-app.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import { type LocalBackend, localBackend } from "../local-backend.js";

export const ROOT = join(import.meta.dirname, "..", "..", "..");
export const INVOKE_API_FIXTURE = join(ROOT, "test", "fixtures", "invoke-api");
export const HELLO_SERVICE = join(ROOT, "functions", "hello");

export const TEST_KEY = {
  accessKeyId: "AKIDLAMBKINTEST00001",
  secretAccessKey: "lambkin-test-secret/abc+123",
};

export interface ApiServer {
  readonly app: FastifyInstance;
  readonly runtime: LambkinRuntime;
  readonly local: LocalBackend;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  client(options?: Partial<ClientOptions>): LambdaClient;
  /** A raw HTTP request to the server (no signature). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

interface ClientOptions {
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly systemClockOffset: number;
}

export async function startApiServer(
  dir = INVOKE_API_FIXTURE,
  accessKeys: ReadonlyMap<string, string> = new Map(),
): Promise<ApiServer> {
  const runtime = await startRuntime({ dir, logger: pino({ level: "silent" }), env: {} });
  const local = await localBackend(runtime);
  const app = await createGateway({ backend: local.backend, logger: pino({ level: "silent" }), accessKeys });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: LambdaClient[] = [];
  return {
    app,
    runtime,
    local,
    endpoint,
    client(options = {}) {
      const client = new LambdaClient({
        endpoint,
        region: "us-east-1",
        credentials: options.credentials ?? TEST_KEY,
        // One attempt: a test must see the service's first answer, not the SDK's retries.
        maxAttempts: 1,
        ...(options.systemClockOffset === undefined ? {} : { systemClockOffset: options.systemClockOffset }),
      });
      clients.push(client);
      return client;
    },
    fetch: (path, init) => fetch(`${endpoint}${path}`, init),
    async close() {
      for (const client of clients) client.destroy();
      await app.close();
      await local.close();
      await runtime.close();
    },
  };
}

/** The error an SDK call rejects with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error("expected the call to fail, but it succeeded");
  return outcome as Error & Record<string, unknown>;
}
