// A function in a container reaches the host's loopback services through the endpoints it is handed
// (runtime/sandbox/docker/loopback-forwarders.ts): 127.0.0.1 inside a container is the container itself.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import { ServiceEndpoints } from "../../../runtime/sandbox/service-endpoints.js";
import { DOCKER_FIXTURES, ensureImages } from "./docker-test-runtime.js";

describe("local service endpoints in a container", () => {
  let server: Server;
  let runtime: LambkinRuntime;
  let origin: string;
  const seen: string[] = [];
  beforeAll(async () => {
    await ensureImages();
    server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      response.end("from the host's loopback");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    runtime = await startRuntime({
      dir: join(DOCKER_FIXTURES, "probe"),
      logger: pino({ level: "silent" }),
      env: {},
      sandbox: "docker",
      serviceEndpoints: ServiceEndpoints.of({
        S3: origin,
        SQS: origin,
        DYNAMODB: "http://dynamodb.example:8000",
      }),
    });
  });
  afterAll(async () => {
    await runtime?.close();
    server?.close();
  });

  it("hands the container an address it can route to, forwarded to the host's 127.0.0.1", async () => {
    const result = await runtime.invoker.invoke("endpoints", "{}");
    expect(result.functionError).toBeUndefined();
    const answer = JSON.parse(result.payload.toString()) as {
      variables: Record<string, string>;
      status?: number;
      body?: string;
      error?: string;
    };
    expect(answer).toMatchObject({ status: 200, body: "from the host's loopback" });
    expect(seen).toContain("GET /probe");
    const s3 = new URL(answer.variables.AWS_ENDPOINT_URL_S3 ?? "");
    expect(s3.hostname).toBe(runtime.sandbox.runtimeApiAdvertisedHost);
    expect(s3.hostname).not.toBe("127.0.0.1");
    // One forwarder per origin: SQS shares S3's here.
    expect(answer.variables.AWS_ENDPOINT_URL_SQS).toBe(answer.variables.AWS_ENDPOINT_URL_S3);
    // A queue's AWS URL (what !Ref gives) follows the local SQS endpoint; a non-loopback endpoint passes unchanged.
    expect(answer.variables.JOBS_QUEUE).toBe(`${answer.variables.AWS_ENDPOINT_URL_SQS}/000000000000/jobs`);
    expect(answer.variables.AWS_ENDPOINT_URL_DYNAMODB).toBe("http://dynamodb.example:8000");
  });
});
