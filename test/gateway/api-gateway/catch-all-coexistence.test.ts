// The API Gateway routes live behind one fastify catch-all: any route another plugin declares (the Invoke API's
// `/2015-03-31/functions/:name/invocations` …) wins over it, whatever the registration order, and never clashes
// with a user's path — even a greedy `ANY /{proxy+}` that would match it.
import Fastify from "fastify";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { apiGatewayPlugin } from "../../../gateway/api-gateway/api-gateway-plugin.js";
import { startRuntime } from "../../../runtime/lambkin-runtime.js";
import { syncOnlyBackend } from "../local-backend.js";
import { GATEWAY_FIXTURES, listening, type TestGateway } from "./gateway-harness.js";

describe("the catch-all and other routes", () => {
  let gateway: TestGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  for (const order of ["before", "after"] as const) {
    it(`a declared route wins over the user's ANY /{proxy+} (declared ${order} the plugin)`, async () => {
      const runtime = await startRuntime({
        dir: `${GATEWAY_FIXTURES}/routing-http`,
        logger: pino({ level: "silent" }),
        env: {},
      });
      const app = Fastify();
      const invokeApi = async () => {
        app.post("/2015-03-31/functions/:name/invocations", async () => ({ invokeApi: true }));
      };
      if (order === "before") await invokeApi();
      await app.register(apiGatewayPlugin, { backend: syncOnlyBackend(runtime) });
      if (order === "after") await invokeApi();
      gateway = await listening(runtime, app);

      const invoke = await gateway.send("POST", "/2015-03-31/functions/x/invocations", {
        headers: [["Content-Type", "application/json"]],
        body: "{}",
      });
      expect(invoke.json()).toEqual({ invokeApi: true });
      // Another method on the same path is not the Invoke API's: the user's route takes it.
      const user = await gateway.send("GET", "/2015-03-31/functions/x/invocations");
      expect(user.json()).toMatchObject({ fn: "anyProxy" });
    });
  }
});
