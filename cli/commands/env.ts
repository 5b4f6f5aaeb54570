/**
 * `lambkin env`: the endpoints of a running Lambkin (GET /_lambkin/endpoints) as shell lines,
 * `export AWS_ENDPOINT_URL_SQS='http://127.0.0.1:3000'` …, so that `eval "$(lambkin env)"` points the AWS CLI and
 * unchanged SDK code — which read `AWS_ENDPOINT_URL_<SERVICE>`
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html) — at Lambkin. An endpoint Lambkin
 * does not know (no DynamoDB configured, …) is a comment line, not an export: a variable the user set stays.
 */
import type { EndpointsDocument } from "../../gateway/lambkin-api/endpoints-route.js";
import { lambkinApiClient } from "../lambkin-api-client.js";
import { EXIT_OK } from "../usage-error.js";

export interface EnvFlags {
  readonly endpoint?: string;
}

const VARIABLES: readonly [keyof EndpointsDocument, string][] = [
  ["lambda", "AWS_ENDPOINT_URL_LAMBDA"],
  ["sqs", "AWS_ENDPOINT_URL_SQS"],
  ["sns", "AWS_ENDPOINT_URL_SNS"],
  ["dynamodb", "AWS_ENDPOINT_URL_DYNAMODB"],
  ["kinesis", "AWS_ENDPOINT_URL_KINESIS"],
  ["s3", "AWS_ENDPOINT_URL_S3"],
];

/** The running Lambkin of this machine: `lambkin dev`'s default address, or PORT's. */
export function defaultEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return `http://127.0.0.1:${env.PORT || "3000"}`;
}

export async function envCommand(flags: EnvFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const client = lambkinApiClient(flags.endpoint ?? defaultEndpoint(env), env);
  const endpoints = await client.call<EndpointsDocument>("GET", "/endpoints");
  process.stdout.write(exportLines(endpoints));
  return EXIT_OK;
}

export function exportLines(endpoints: EndpointsDocument): string {
  return VARIABLES.map(([service, variable]) => {
    const url = endpoints[service];
    return typeof url === "string" && url !== ""
      ? `export ${variable}=${shellQuoted(url)}\n`
      : `# ${variable}: Lambkin has no ${service} endpoint\n`;
  }).join("");
}

/** POSIX single quotes: nothing inside is special but the quote itself, written as '\''. */
function shellQuoted(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}
