/**
 * What `lambkin dev` and `lambkin gateway` do around the local cloud (services/local-cloud.ts): point environments at
 * it, report it on /_lambkin/endpoints, and empty the state folder for `--fresh`.
 */

import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import {
  type UsedEndpoints,
  usedEndpointsFromEnvironment,
} from "../../gateway/lambkin-api/endpoints-route.js";
import { ServiceEndpoints } from "../../runtime/sandbox/service-endpoints.js";
import type { LocalCloud } from "../../services/local-cloud.js";
import { STAGES_FOLDER } from "../state-folder.js";

/**
 * The endpoints every environment gets: the local cloud's DynamoDB (its Streams API too: DynamoDB Local serves both on
 * one port) and S3, and this gateway for the APIs it serves itself (Lambda, SQS, SNS); Lambkin's own
 * AWS_ENDPOINT_URL_* win, so that a cluster can point its functions wherever its services are.
 */
export function functionEndpoints(
  cloud: LocalCloud | undefined,
  gatewayUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ServiceEndpoints {
  const gateway = gatewayUrl === undefined ? undefined : reachableUrl(gatewayUrl);
  return ServiceEndpoints.of({
    DYNAMODB: cloud?.dynamodb,
    DYNAMODB_STREAMS: cloud?.dynamodb,
    S3: cloud?.s3,
    LAMBDA: gateway,
    SQS: gateway,
    SNS: gateway,
  }).with(ServiceEndpoints.fromEnvironment(env));
}

/** What GET /_lambkin/endpoints reports for the services the gateway does not serve itself. */
export function usedEndpointsOf(
  cloud: LocalCloud | undefined,
  env: NodeJS.ProcessEnv = process.env,
): UsedEndpoints {
  const given = usedEndpointsFromEnvironment(env);
  // The cloud's endpoints are the given ones where there are any (local-cloud.ts), else its stand-ins'.
  return { ...given, dynamodb: cloud?.dynamodb ?? given.dynamodb, s3: cloud?.s3 ?? given.s3 };
}

/** A wildcard listen address is reached on loopback from this host. */
export function loopbackOf(host: string): string {
  return host === "0.0.0.0" || host === "::" || host === "[::]" || host === "" ? "127.0.0.1" : host;
}

/** The gateway's address as this host reaches it (URL.hostname keeps an IPv6 address's brackets). */
function reachableUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${loopbackOf(parsed.hostname)}:${parsed.port}`;
}

/** `lambkin dev --fresh`: everything the state folder holds goes (the folder itself stays, it may be a mount). */
export async function emptyStateFolder(stateDir: string, logger: Logger): Promise<void> {
  const entries = (
    await readdir(stateDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [];
      throw error;
    })
  ).filter((entry) => entry !== STAGES_FOLDER); // the other stages' state (state-folder.ts) is not this run's
  await Promise.all(entries.map((entry) => rm(join(stateDir, entry), { recursive: true, force: true })));
  logger.info(`--fresh: emptied ${stateDir} (${entries.length} entr${entries.length === 1 ? "y" : "ies"})`);
}

/** A promise with its settlers, for a value the composition learns later (the gateway's address). */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
} {
  let resolve: (value: T) => void = () => {};
  let reject: (reason: unknown) => void = () => {};
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  // A rejection nobody awaits (the start failed anyway) is not an unhandled one.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
