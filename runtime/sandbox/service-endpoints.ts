/**
 * Where an environment's unchanged AWS SDK clients find the local stand-ins of AWS's services (docs/lambda-behaviour.md
 * §1.4a). Every environment gets one `AWS_ENDPOINT_URL_<SERVICE>` per service Lambkin serves or was given — the
 * SDKs' own service-specific endpoint variables
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html: the service id upper-cased, spaces as
 * underscores) — so that `new DynamoDBClient({})` reaches DynamoDB Local without a line of Lambkin in the handler.
 *
 * One more translation is needed for SQS: `!Ref` of a queue is its URL, `https://sqs.<region>.amazonaws.com/…`, and
 * the SDK sends each request to the host of the QueueUrl it is given, whatever endpoint it was configured with
 * (@aws-sdk/middleware-sdk-sqs, `useQueueUrlAsEndpoint`). Values of the function's environment that are such
 * queue URLs are therefore rewritten to the same path on the local SQS endpoint, as CloudFormation would have
 * given them if the queue had been created there.
 *
 * An endpoint is kept as the host sees it (`http://127.0.0.1:3000`); a sandbox whose environments cannot reach the
 * host's loopback (a container) maps each origin to one they can route to (`withOrigins`).
 */

import { ConfigError } from "../errors/config-error.js";

/** The services whose endpoints Lambkin hands to environments, by the SDKs' variable suffix. */
export const ENDPOINT_SERVICES = [
  "DYNAMODB",
  "DYNAMODB_STREAMS",
  "S3",
  "SQS",
  "SNS",
  "LAMBDA",
  "KINESIS",
] as const;
export type EndpointService = (typeof ENDPOINT_SERVICES)[number];

/**
 * What Lambkin's own SDK clients sign with when they talk to a local stand-in (DynamoDB Local, its S3, kinesalite),
 * which checks no signature: the SDK refuses to send without credentials. Never used for AWS's own endpoints.
 */
export const STAND_IN_CLIENT_CREDENTIALS = { accessKeyId: "lambkin", secretAccessKey: "lambkin" } as const;

export const endpointVariable = (service: EndpointService): string => `AWS_ENDPOINT_URL_${service}`;

/** `https://sqs.us-east-1.amazonaws.com/…` (and the legacy `<region>.queue.amazonaws.com`). */
const AWS_QUEUE_URL =
  /^https:\/\/(?:sqs\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?|[a-z0-9-]+\.queue\.amazonaws\.com)(\/.*)$/;

export class ServiceEndpoints {
  private constructor(private readonly urls: ReadonlyMap<EndpointService, string>) {}

  static none(): ServiceEndpoints {
    return new ServiceEndpoints(new Map());
  }

  /** From URLs by service; empty and absent ones are left out, each is checked to be an http(s) origin. */
  static of(urls: Partial<Record<EndpointService, string | undefined>>): ServiceEndpoints {
    const kept = new Map<EndpointService, string>();
    for (const service of ENDPOINT_SERVICES) {
      const url = urls[service]?.trim();
      if (url) kept.set(service, originOf(url, endpointVariable(service)));
    }
    return new ServiceEndpoints(kept);
  }

  /** The `AWS_ENDPOINT_URL_<SERVICE>` variables some environment configuration sets (e.g. Lambkin's own). */
  static fromEnvironment(env: NodeJS.ProcessEnv): Partial<Record<EndpointService, string>> {
    const urls: Partial<Record<EndpointService, string>> = {};
    for (const service of ENDPOINT_SERVICES) {
      const value = env[endpointVariable(service)]?.trim();
      if (value) urls[service] = value;
    }
    return urls;
  }

  get(service: EndpointService): string | undefined {
    return this.urls.get(service);
  }

  /** These endpoints and the given ones, the given ones winning. */
  with(urls: Partial<Record<EndpointService, string | undefined>>): ServiceEndpoints {
    const merged: Partial<Record<EndpointService, string>> = Object.fromEntries(this.urls);
    for (const service of ENDPOINT_SERVICES) {
      const url = urls[service];
      if (url) merged[service] = url;
    }
    return ServiceEndpoints.of(merged);
  }

  /** The distinct origins, for a sandbox to map. */
  origins(): string[] {
    return [...new Set(this.urls.values())];
  }

  /** The same endpoints with each origin replaced as `map` says (a container's view of the host's services). */
  withOrigins(map: ReadonlyMap<string, string>): ServiceEndpoints {
    return new ServiceEndpoints(
      new Map([...this.urls].map(([service, origin]) => [service, map.get(origin) ?? origin])),
    );
  }

  /** `AWS_ENDPOINT_URL_<SERVICE>` for every endpoint known. */
  variables(): Record<string, string> {
    return Object.fromEntries([...this.urls].map(([service, url]) => [endpointVariable(service), url]));
  }

  /** A function environment value, with an AWS queue URL moved to the local SQS endpoint (see above). */
  localize(value: string): string {
    const sqs = this.urls.get("SQS");
    if (sqs === undefined) return value;
    const match = AWS_QUEUE_URL.exec(value);
    return match ? `${sqs}${match[1]}` : value;
  }
}

/** `http://host:port` of a URL (a path or a trailing slash would be joined wrongly by `localize`). */
function originOf(url: string, variable: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${variable} must be an http(s) URL (got "${url.slice(0, 80)}")`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new ConfigError(`${variable} must be an http(s) URL (got "${url.slice(0, 80)}")`);
  return parsed.origin;
}

/** Whether an origin names this host's loopback, which a container cannot reach as such. */
export function isLoopbackOrigin(origin: string): boolean {
  const host = new URL(origin).hostname;
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "[::1]" ||
    host === "0.0.0.0" ||
    /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}
