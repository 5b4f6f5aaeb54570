/**
 * Starts the real gateway (createGateway) on a fixture folder of test/fixtures/gateway, listening on a free port,
 * and sends real HTTP requests to it with node:http, so that header lines (names as written, repeated names,
 * Host) go over the wire exactly as the test writes them. Also compares events with golden files.
 */
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { isAbsolute, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { expect } from "vitest";
import { createGateway } from "../../../gateway/gateway-app.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import { syncOnlyBackend } from "../local-backend.js";

export const GATEWAY_FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "gateway");

export interface TestGateway {
  readonly runtime: LambkinRuntime;
  readonly app: FastifyInstance;
  readonly port: number;
  send(method: string, path: string, options?: SendOptions): Promise<RawResponse>;
  close(): Promise<void>;
}

export interface SendOptions {
  /** Header lines in order; a name may repeat. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string | Buffer;
}

export interface RawResponse {
  readonly status: number;
  /** Header lines as received, names as sent by the server. */
  readonly headerLines: readonly [string, string][];
  readonly body: Buffer;
  header(name: string): string | undefined;
  headerValues(name: string): string[];
  text(): string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely
  json(): any;
}

/** `fixture`: a folder of test/fixtures/gateway, or an absolute path. */
export async function startGateway(fixture: string): Promise<TestGateway> {
  const runtime = await startRuntime({
    dir: isAbsolute(fixture) ? fixture : join(GATEWAY_FIXTURES, fixture),
    logger: pino({ level: "silent" }),
    env: {},
  });
  const app = await createGateway({ backend: syncOnlyBackend(runtime), logger: pino({ level: "silent" }) });
  return listening(runtime, app);
}

/** Wraps an app built by the test itself (for options createGateway does not expose). */
export async function listening(runtime: LambkinRuntime, app: FastifyInstance): Promise<TestGateway> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return {
    runtime,
    app,
    port,
    send: (method, path, options) => send(port, method, path, options),
    close: async () => {
      await app.close();
      await runtime.close();
    },
  };
}

function send(port: number, method: string, path: string, options: SendOptions = {}): Promise<RawResponse> {
  const lines = [...(options.headers ?? [])];
  // Given header lines as a list, node:http sends exactly those: Host and Content-Length are up to us.
  if (!lines.some(([name]) => name.toLowerCase() === "host")) lines.unshift(["Host", `127.0.0.1:${port}`]);
  if (options.body !== undefined && !lines.some(([name]) => name.toLowerCase() === "content-length")) {
    lines.push(["Content-Length", String(Buffer.byteLength(options.body))]);
  }
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: "127.0.0.1", port, method, path, headers: lines.flat(), agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () =>
          resolve(rawResponse(response.statusCode ?? 0, response.rawHeaders, Buffer.concat(chunks))),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

function rawResponse(status: number, rawHeaders: string[], body: Buffer): RawResponse {
  const headerLines: [string, string][] = [];
  for (let index = 0; index < rawHeaders.length; index += 2) {
    headerLines.push([rawHeaders[index] as string, rawHeaders[index + 1] as string]);
  }
  const headerValues = (name: string) =>
    headerLines.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value);
  return {
    status,
    headerLines,
    body,
    header: (name) => headerValues(name).at(-1),
    headerValues,
    text: () => body.toString("utf8"),
    json: () => JSON.parse(body.toString("utf8")),
  };
}

/** Values that must vary from run to run, written as placeholders in golden files. */
const PLACEHOLDERS: Record<string, (value: unknown) => boolean> = {
  "<uuid>": (value) =>
    typeof value === "string" &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(value),
  "<request-id>": (value) => typeof value === "string" && /^[A-Za-z0-9]{15}=$/.test(value),
  "<api-id>": (value) => typeof value === "string" && /^[a-z0-9]{10}$/.test(value),
  "<resource-id>": (value) => typeof value === "string" && /^[a-z0-9]{6}$/.test(value),
  "<clf-time>": (value) =>
    typeof value === "string" && /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/.test(value),
  "<epoch-ms>": (value) => typeof value === "number" && Math.abs(value - Date.now()) < 60_000,
  "<port>": (value) => typeof value === "string" && /^\d+$/.test(value),
  "<trace-id>": (value) => typeof value === "string" && /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(value),
};

/** Compares field by field: same keys at every level, equal values, placeholders checked by shape. */
export function expectGolden(actual: unknown, golden: unknown, path = "event"): void {
  if (typeof golden === "string" && golden in PLACEHOLDERS) {
    expect(
      (PLACEHOLDERS[golden] as (value: unknown) => boolean)(actual),
      `${path} = ${JSON.stringify(actual)} is ${golden}`,
    ).toBe(true);
  } else if (Array.isArray(golden)) {
    expect(Array.isArray(actual), `${path} is a list`).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(golden.length);
    for (const [index, item] of golden.entries())
      expectGolden((actual as unknown[])[index], item, `${path}[${index}]`);
  } else if (golden !== null && typeof golden === "object") {
    expect(
      actual !== null && typeof actual === "object" && !Array.isArray(actual),
      `${path} is an object`,
    ).toBe(true);
    expect(Object.keys(actual as object).sort(), `keys of ${path}`).toEqual(Object.keys(golden).sort());
    for (const [key, value] of Object.entries(golden)) {
      expectGolden((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
  } else {
    expect(actual, path).toEqual(golden);
  }
}
