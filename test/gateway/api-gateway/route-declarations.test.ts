// `http` / `httpApi` events are read as the Serverless Framework reads them: a definition the Framework refuses
// stops the gateway with the file, the event and what to do; a setting Lambkin does not reproduce is reported.
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createGateway } from "../../../gateway/gateway-app.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import { syncOnlyBackend } from "../local-backend.js";
import { startGateway, type TestGateway } from "./gateway-harness.js";

async function service(functions: string, provider = ""): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lambkin-routes-"));
  // Lambda's rule for a package (755 for folders, 644 for files): the function's own user reads it.
  await chmod(dir, 0o755);
  await writeFile(join(dir, "handler.js"), "exports.ok = async () => ({ statusCode: 200, body: 'ok' });\n");
  await writeFile(
    join(dir, "serverless.yml"),
    `service: routes\nprovider:\n  name: aws\n  runtime: nodejs20.x\n${provider}functions:\n${functions}`,
  );
  return dir;
}

describe("route declarations", () => {
  let runtime: LambkinRuntime | undefined;
  let gateway: TestGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    await runtime?.close();
    gateway = undefined;
    runtime = undefined;
  });

  async function gatewayError(dir: string): Promise<Error> {
    runtime = await startRuntime({ dir, logger: pino({ level: "silent" }), env: {} });
    const error = await createGateway({
      backend: syncOnlyBackend(runtime),
      logger: pino({ level: "silent" }),
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }

  it.each([
    [
      "a route declared twice in one HTTP API",
      "  a:\n    handler: handler.ok\n    events:\n      - httpApi: 'GET /x/{id}'\n  b:\n    handler: handler.ok\n    events:\n      - httpApi: 'GET /x/{other}'\n",
      /the route GET \/x\/\{other\} is already declared by functions\.a/,
    ],
    [
      "a method API Gateway does not have",
      "  a:\n    handler: handler.ok\n    events:\n      - httpApi: 'FETCH /x'\n",
      /FETCH is not an API Gateway method/,
    ],
    [
      "a greedy variable that is not last",
      "  a:\n    handler: handler.ok\n    events:\n      - http: GET a/{p+}/b\n",
      /must be the last part of the path/,
    ],
    [
      "a catch-all with a method",
      "  a:\n    handler: handler.ok\n    events:\n      - httpApi:\n          method: get\n          path: '*'\n",
      /the catch-all path \* takes no method/,
    ],
    [
      "an invalid payload version",
      "  a:\n    handler: handler.ok\n    httpApi:\n      payload: '3.0'\n    events:\n      - httpApi: 'GET /x'\n",
      /must be '1\.0' or '2\.0'/,
    ],
  ])("refuses %s, naming the file and the event", async (_, functions, message) => {
    const dir = await service(functions);
    const error = await gatewayError(dir);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(join(dir, "serverless.yml"));
  });

  it("reports a non-proxy integration and does not serve it; serves a route whose authorizer it does not run", async () => {
    const dir = await service(
      "  a:\n    handler: handler.ok\n    events:\n      - http:\n          path: custom\n          method: get\n          integration: lambda\n      - http:\n          path: guarded\n          method: get\n          authorizer: aws_iam\n",
    );
    const lines: string[] = [];
    runtime = await startRuntime({ dir, logger: pino({ level: "silent" }), env: {} });
    const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    const app = await createGateway({ backend: syncOnlyBackend(runtime), logger });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    expect((await fetch(`http://127.0.0.1:${port}/custom`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${port}/guarded`)).status).toBe(200);
    const messages = lines.map((line) => JSON.parse(line).msg as string);
    expect(messages).toContainEqual(
      expect.stringMatching(/integration: lambda is not supported by Lambkin yet: the route is not served/),
    );
    expect(messages).toContainEqual(expect.stringMatching(/authorizer: not enforced by Lambkin/));
    await app.close();
  });

  it("resolves variables in the provider settings it re-reads (provider.httpApi.payload)", async () => {
    const dir = await service(
      "  a:\n    handler: handler.ok\n    events:\n      - httpApi: 'GET /x'\n",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless Framework variable, not a template
      "  httpApi:\n    payload: ${self:custom.payload}\ncustom:\n  payload: '1.0'\n",
    );
    await writeFile(
      join(dir, "handler.js"),
      "exports.ok = async (event) => ({ statusCode: 200, body: event.version });\n",
    );
    gateway = await startGateway(dir);
    expect((await gateway.send("GET", "/x")).text()).toBe("1.0");
  });
});
