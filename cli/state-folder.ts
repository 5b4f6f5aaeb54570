/**
 * Lambkin's state folder: where what must outlive a process is kept (the embedded queue's jobs and dead letters,
 * mail, DynamoDB Local's tables, S3's objects). `--state DIR`, else LAMBKIN_STATE_DIR, else `.lambkin/` in the
 * working directory — and with `--stage S`, `.lambkin/stages/S/`: two stages of one service run side by side from
 * one folder (`lambkin dev --stage dev` and `lambkin dev --stage prod`), each with its own queue, dead letters and
 * data, where one embedded queue would be locked by the first (and a shared one would hand each the other's jobs,
 * to dead-letter as FunctionNotFound). And where a cluster keeps what its processes share: the Redis of REDIS_URL,
 * under the key prefix LAMBKIN_REDIS_PREFIX (by default `lambkin`, and `lambkin:stage:S` with `--stage S`, for the
 * same reason: queue, concurrency caps and schedules per stage).
 */
import { resolve } from "node:path";
import { UsageError } from "./usage-error.js";

/** Where the stages' own state folders are, inside the default one. */
export const STAGES_FOLDER = "stages";

export function stateFolder(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  stage?: string | undefined,
): string {
  const chosen = flag ?? env.LAMBKIN_STATE_DIR;
  if (chosen !== undefined && chosen !== "") return resolve(chosen);
  if (stage === undefined || stage === "") return resolve(".lambkin");
  return resolve(".lambkin", STAGES_FOLDER, checkedStage(stage));
}

/**
 * `--stage` becomes part of a folder and a key prefix: letters, digits, `-` and `_` only (the Serverless Framework's
 * schema allows letters, digits and dashes in a stage, since it names AWS resources), so never `..` or a path.
 */
export function checkedStage(stage: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stage))
    throw new UsageError(
      `--stage must be 1–64 letters, digits, - or _ (got "${stage.slice(0, 80)}")`,
      "LKN_ERR_CONFIG_INVALID",
    );
  return stage;
}

/** REDIS_URL, when set: the queue and the concurrency caps are then shared through that Redis. */
export function redisUrlOf(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env.REDIS_URL;
  return url === undefined || url.trim() === "" ? undefined : url.trim();
}

/**
 * The Redis key prefix of a cluster (LAMBKIN_REDIS_PREFIX, default `lambkin`, `lambkin:stage:S` with `--stage S`):
 * clusters sharing one Redis use one each.
 */
export function redisPrefixOf(env: NodeJS.ProcessEnv = process.env, stage?: string | undefined): string {
  const prefix = env.LAMBKIN_REDIS_PREFIX?.trim();
  if (prefix === undefined || prefix === "")
    return stage === undefined || stage === "" ? "lambkin" : `lambkin:stage:${checkedStage(stage)}`;
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix))
    throw new UsageError(
      `LAMBKIN_REDIS_PREFIX must be 1–64 letters, digits or _ . : - (got "${prefix.slice(0, 80)}")`,
      "LKN_ERR_CONFIG_INVALID",
    );
  return prefix;
}

/**
 * LAMBKIN_QUEUE_LEASE_MS: how long a job taken by a process stays its own without renewal — so how soon the job of
 * a worker that died (SIGKILL, power loss) runs elsewhere. Undefined: the adapters' default, 30 s (BullMQ's).
 */
export function queueLeaseMsOf(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.LAMBKIN_QUEUE_LEASE_MS?.trim();
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1000 || value > 600_000)
    throw new UsageError(
      `LAMBKIN_QUEUE_LEASE_MS must be a whole number of ms from 1000 to 600000 (got "${text.slice(0, 40)}")`,
      "LKN_ERR_CONFIG_INVALID",
    );
  return value;
}

/** The local mail service's default SMTP port: the one local mail catchers (Mailpit, MailHog) use. */
export const DEFAULT_SMTP_PORT = 1025;

/** LAMBKIN_SMTP_PORT: the local mail service's port (default 1025, `0` any free one), or `off` (undefined). */
export function smtpPortOf(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return localServicePortOf("LAMBKIN_SMTP_PORT", DEFAULT_SMTP_PORT, env);
}

/** DynamoDB Local's own default port. */
export const DEFAULT_DYNAMODB_PORT = 8000;
/** s3rver's default port (the S3 stand-in's). */
export const DEFAULT_S3_PORT = 4569;

/** LAMBKIN_DYNAMODB_PORT: where `lambkin dev` runs DynamoDB Local (default 8000, `0` any free port, `off` none). */
export function dynamoDbPortOf(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return localServicePortOf("LAMBKIN_DYNAMODB_PORT", DEFAULT_DYNAMODB_PORT, env);
}

/** LAMBKIN_S3_PORT: where `lambkin dev` / `lambkin gateway` serve the S3 stand-in (default 4569, `0` any, `off` none). */
export function s3PortOf(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return localServicePortOf("LAMBKIN_S3_PORT", DEFAULT_S3_PORT, env);
}

/** A local stand-in's port setting: a port, `0` for any free one, `off` for none (undefined). */
function localServicePortOf(variable: string, fallback: number, env: NodeJS.ProcessEnv): number | undefined {
  const text = env[variable]?.trim();
  if (text === undefined || text === "") return fallback;
  if (text === "off") return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(
      `${variable} must be a port number (0 for any free one) or "off" (got "${text.slice(0, 40)}")`,
      "LKN_ERR_CONFIG_INVALID",
    );
  return port;
}

/** REDIS_URL for a command that cannot run without it (`lambkin gateway`, `lambkin worker`). */
export function requiredRedisUrl(command: string, env: NodeJS.ProcessEnv = process.env): string {
  const url = redisUrlOf(env);
  if (url === undefined)
    throw new UsageError(
      `lambkin ${command} needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379): the gateways and workers of a cluster share their queue, concurrency caps and synchronous invocations through one Redis. Run \`lambkin dev\` for everything in one process.`,
      "LKN_ERR_CLUSTER_REDIS_REQUIRED",
    );
  return url;
}
