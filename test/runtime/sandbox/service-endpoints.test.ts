// What an environment is told about the local AWS services (runtime/sandbox/service-endpoints.ts).
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../runtime/errors/config-error.js";
import type { FunctionDefinition } from "../../../runtime/manifest/function-definition.js";
import { lambdaEnvironmentVariables } from "../../../runtime/sandbox/lambda-environment-variables.js";
import { isLoopbackOrigin, ServiceEndpoints } from "../../../runtime/sandbox/service-endpoints.js";

const paths = { taskRoot: "/var/task", runtimeDir: "/var/runtime" };

function variablesOf(environment: Record<string, string>, endpoints: ServiceEndpoints) {
  const fn = {
    name: "f",
    handler: "h.handler",
    runtime: "provided.al2023",
    region: "eu-west-1",
    memorySize: 128,
    environment,
  } as unknown as FunctionDefinition;
  return lambdaEnvironmentVariables(
    {
      fn,
      environmentId: "e",
      runtimeApiAddress: "127.0.0.1:1",
      logStreamName: "s",
      serviceEndpoints: endpoints,
    },
    paths,
  );
}

describe("service endpoints", () => {
  it("names each endpoint with the SDKs' service-specific variable, as an origin", () => {
    const endpoints = ServiceEndpoints.of({
      DYNAMODB: "http://127.0.0.1:8000/",
      S3: "http://127.0.0.1:4569",
      SNS: "",
    });
    expect(endpoints.variables()).toEqual({
      AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8000",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:4569",
    });
    expect(endpoints.origins()).toEqual(["http://127.0.0.1:8000", "http://127.0.0.1:4569"]);
  });

  it("refuses what is not an http(s) URL", () => {
    expect(() => ServiceEndpoints.of({ S3: "ftp://x" })).toThrow(ConfigError);
    expect(() => ServiceEndpoints.of({ S3: "not a url" })).toThrow(
      /AWS_ENDPOINT_URL_S3 must be an http\(s\) URL/,
    );
  });

  it("reads Lambkin's own AWS_ENDPOINT_URL_* and lets later ones win", () => {
    const given = ServiceEndpoints.fromEnvironment({
      AWS_ENDPOINT_URL_DYNAMODB: " http://db:8000 ",
      PATH: "/bin",
    });
    expect(given).toEqual({ DYNAMODB: "http://db:8000" });
    const merged = ServiceEndpoints.of({ DYNAMODB: "http://127.0.0.1:1", SQS: "http://127.0.0.1:2" }).with(
      given,
    );
    expect(merged.get("DYNAMODB")).toBe("http://db:8000");
    expect(merged.get("SQS")).toBe("http://127.0.0.1:2");
  });

  it("moves AWS queue URLs (what !Ref of a queue gives) to the local SQS endpoint, and nothing else", () => {
    const endpoints = ServiceEndpoints.of({ SQS: "http://127.0.0.1:3000" });
    expect(endpoints.localize("https://sqs.eu-west-1.amazonaws.com/000000000000/jobs.fifo")).toBe(
      "http://127.0.0.1:3000/000000000000/jobs.fifo",
    );
    expect(endpoints.localize("https://eu-west-1.queue.amazonaws.com/000000000000/jobs")).toBe(
      "http://127.0.0.1:3000/000000000000/jobs",
    );
    expect(endpoints.localize("https://sqs.eu-west-1.amazonaws.com.evil.example/x")).toBe(
      "https://sqs.eu-west-1.amazonaws.com.evil.example/x",
    );
    expect(endpoints.localize("https://s3.amazonaws.com/bucket")).toBe("https://s3.amazonaws.com/bucket");
    expect(ServiceEndpoints.none().localize("https://sqs.eu-west-1.amazonaws.com/0/q")).toBe(
      "https://sqs.eu-west-1.amazonaws.com/0/q",
    );
  });

  it("maps origins for a sandbox that cannot reach the host's loopback", () => {
    const endpoints = ServiceEndpoints.of({ S3: "http://127.0.0.1:4569", SQS: "http://127.0.0.1:3000" });
    const mapped = endpoints.withOrigins(new Map([["http://127.0.0.1:4569", "http://172.18.0.1:4569"]]));
    expect(mapped.variables()).toEqual({
      AWS_ENDPOINT_URL_S3: "http://172.18.0.1:4569",
      AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:3000",
    });
    expect(
      ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1", "http://0.0.0.0:1"].every(
        isLoopbackOrigin,
      ),
    ).toBe(true);
    expect(isLoopbackOrigin("http://dynamodb:8000")).toBe(false);
  });

  it("puts them in every environment, under the function's own variables", () => {
    const endpoints = ServiceEndpoints.of({
      DYNAMODB: "http://127.0.0.1:8000",
      SQS: "http://127.0.0.1:3000",
    });
    const variables = variablesOf(
      {
        AWS_ENDPOINT_URL_DYNAMODB: "http://elsewhere:8000",
        QUEUE: "https://sqs.eu-west-1.amazonaws.com/000000000000/q",
      },
      endpoints,
    );
    expect(variables.AWS_ENDPOINT_URL_DYNAMODB).toBe("http://elsewhere:8000");
    expect(variables.AWS_ENDPOINT_URL_SQS).toBe("http://127.0.0.1:3000");
    expect(variables.QUEUE).toBe("http://127.0.0.1:3000/000000000000/q");
    expect(variables.AWS_REGION).toBe("eu-west-1");
  });
});
