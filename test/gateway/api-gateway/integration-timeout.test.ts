// API Gateway stops waiting after its integration timeout (REST 29 s → 504 "Endpoint request timed out";
// HTTP API 30 s → 503 "Service Unavailable"), whatever the function's own timeout. The timeout is shortened
// here through the plugin's option, on an app set up like createGateway's.
import Fastify from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiGatewayPlugin } from "../../../gateway/api-gateway/api-gateway-plugin.js";
import { startRuntime } from "../../../runtime/lambkin-runtime.js";
import { syncOnlyBackend } from "../local-backend.js";
import { GATEWAY_FIXTURES, listening, type TestGateway } from "./gateway-harness.js";

describe("integration timeout", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    const runtime = await startRuntime({
      dir: `${GATEWAY_FIXTURES}/timeout`,
      logger: pino({ level: "silent" }),
      env: {},
    });
    const app = Fastify();
    await app.register(apiGatewayPlugin, {
      backend: syncOnlyBackend(runtime),
      integrationTimeoutMs: { rest: 400, http: 400 },
    });
    gateway = await listening(runtime, app);
  });
  afterAll(() => gateway?.close());

  it("REST: 504 Endpoint request timed out", async () => {
    const response = await gateway.send("GET", "/rest/slow?ms=1500");
    expect(response.status).toBe(504);
    expect(response.json()).toEqual({ message: "Endpoint request timed out" });
  });

  it("HTTP API: 503 Service Unavailable", async () => {
    const response = await gateway.send("GET", "/http/slow?ms=1500");
    expect(response.status).toBe(503);
    expect(response.json()).toEqual({ message: "Service Unavailable" });
  });

  it("answers normally within the timeout", async () => {
    const response = await gateway.send("GET", "/rest/slow?ms=0");
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ slept: 0 });
  });
});
