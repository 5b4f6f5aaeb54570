/**
 * The API Gateway settings of a service that FunctionDefinition does not carry, re-read from its serverless.yml
 * with the manifest loader's own reader and variable resolver (so `${self:…}`, `${env:…}` and `${sls:stage}`
 * resolve exactly as they did for the functions):
 *  - `provider.httpApi.payload` and `functions.<key>.httpApi.payload`: the HTTP API payload format version
 *    (the Framework's rule: function's, else provider's, else '2.0' — lib/plugins/aws/package/compile/events/http-api.js);
 *  - `provider.httpApi.cors`: the HTTP API's CORS configuration, as written (resolved by cors-http-api.ts);
 *  - `provider.apiGateway.binaryMediaTypes`: the REST API's binary media types.
 */
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import { describeValue, type KeyPath, ManifestError } from "../../runtime/manifest/manifest-error.js";
import { readManifest } from "../../runtime/manifest/read-manifest.js";
import { functionEntries } from "../../runtime/manifest/service-settings.js";
import { VariableResolver } from "../../runtime/manifest/variable-resolver.js";

export type PayloadVersion = "1.0" | "2.0";

export interface ServiceApiSettings {
  readonly manifestPath: string;
  /** Payload format version of each function's HTTP API integration, by function key. */
  readonly payloadVersion: (functionKey: string) => PayloadVersion;
  /** `provider.httpApi.cors` as written: undefined/false = CORS off. */
  readonly httpApiCors: unknown;
  readonly binaryMediaTypes: readonly string[];
}

/** Reads the settings of every service the functions come from, once per serverless.yml. */
export async function readServiceApiSettings(
  functions: readonly FunctionDefinition[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Map<string, ServiceApiSettings>> {
  const settings = new Map<string, ServiceApiSettings>();
  for (const fn of functions) {
    if (settings.has(fn.manifestPath)) continue;
    settings.set(fn.manifestPath, await readOne(fn, env));
  }
  return settings;
}

async function readOne(fn: FunctionDefinition, env: NodeJS.ProcessEnv): Promise<ServiceApiSettings> {
  const file = fn.manifestPath;
  const { document } = await readManifest(file);
  // The stage and region the functions were loaded with, so that `${sls:stage}` means the same thing here.
  const resolver = new VariableResolver(file, document, { stage: fn.stage, region: fn.region, env });
  const providerPayload = payloadAt(resolver, ["provider", "httpApi", "payload"]) ?? "2.0";
  const functionPayloads = new Map<string, PayloadVersion>();
  for (const entry of functionEntries(resolver)) {
    const own = payloadAt(resolver, [...entry.path, "httpApi", "payload"]);
    if (own) functionPayloads.set(entry.key, own);
  }
  return {
    manifestPath: file,
    payloadVersion: (key) => functionPayloads.get(key) ?? providerPayload,
    httpApiCors: resolver.get(["provider", "httpApi", "cors"]),
    binaryMediaTypes: binaryMediaTypes(resolver),
  };
}

function payloadAt(resolver: VariableResolver, path: KeyPath): PayloadVersion | undefined {
  const value = resolver.get(path);
  if (value === undefined || value === null) return undefined;
  // YAML reads `payload: 1.0` as the number 1.
  const text = typeof value === "number" ? value.toFixed(1) : value;
  if (text === "1.0" || text === "2.0") return text;
  throw new ManifestError(
    resolver.file,
    path,
    `must be '1.0' or '2.0', not ${describeValue(value)}`,
    "Write payload: '2.0' (the default) or payload: '1.0'",
  );
}

function binaryMediaTypes(resolver: VariableResolver): string[] {
  const path = ["provider", "apiGateway", "binaryMediaTypes"];
  const value = resolver.get(path);
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
  throw new ManifestError(
    resolver.file,
    path,
    `must be a list of media types, not ${describeValue(value)}`,
    "Write e.g. binaryMediaTypes: ['image/png', 'application/octet-stream'] (or ['*/*'])",
  );
}
