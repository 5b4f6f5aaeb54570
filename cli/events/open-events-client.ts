/**
 * Which way `lambkin events` reaches the dead letters:
 * 1. `--endpoint URL`: over HTTP, from the Lambkin serving there;
 * 2. else REDIS_URL: BullMQ's queue in that Redis, directly (what every gateway and worker of a cluster shares);
 * 3. else the embedded queue of the state folder (`--state DIR`, LAMBKIN_STATE_DIR, `.lambkin`), directly —
 *    unless a running `lambkin dev` holds its lock: then over HTTP from that Lambkin, at
 *    `http://127.0.0.1:${PORT:-3000}`, which is said on stderr.
 * A state folder where nothing was ever queued has no dead letters; it is not created.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import pc from "picocolors";
import type { JobQueue } from "../../triggers/queue/interfaces/job-queue.js";
import { QueueStateLockedError } from "../../triggers/queue/interfaces/queue-errors.js";
import { openJobQueue } from "../../triggers/queue/open-job-queue.js";
import { redactedUrl } from "../commands/serve-support.js";
import { redisPrefixOf, redisUrlOf, stateFolder } from "../state-folder.js";
import { UsageError } from "../usage-error.js";
import { type EventsClient, emptyEventsClient, queueEventsClient } from "./events-client.js";
import { httpEventsClient } from "./http-events-client.js";

export interface EventsTransportFlags {
  readonly endpoint?: string;
  readonly state?: string;
  /** `--stage`: that stage's state folder (`.lambkin/stages/<stage>/`) and Redis prefix. */
  readonly stage?: string;
}

/** The embedded queue's file in a state folder (triggers/queue/embedded/). */
const EMBEDDED_QUEUE_FILE = "async-invocations.sqlite";
const REDIS_READY_MS = 5000;

export async function openEventsClient(
  flags: EventsTransportFlags,
  env: NodeJS.ProcessEnv = process.env,
  note: (line: string) => void = (line) => process.stderr.write(`${pc.dim("lambkin ▸")} ${line}\n`),
): Promise<EventsClient> {
  if (flags.endpoint !== undefined) return httpEventsClient(endpointUrl(flags.endpoint), env);
  const redisUrl = redisUrlOf(env);
  if (redisUrl !== undefined) {
    const queue = openJobQueue({
      redisUrl,
      stateDir: stateFolder(flags.state, env, flags.stage),
      prefix: redisPrefixOf(env, flags.stage),
      reporter: () => {},
    });
    await readyOrClosed(queue);
    return queueEventsClient(queue, `BullMQ on ${redactedUrl(redisUrl)}`);
  }
  const stateDir = stateFolder(flags.state, env, flags.stage);
  const where = `embedded queue in ${stateDir}`;
  if (!existsSync(join(stateDir, EMBEDDED_QUEUE_FILE))) return emptyEventsClient(where);
  try {
    return queueEventsClient(openJobQueue({ stateDir, reporter: () => {} }), where);
  } catch (error) {
    if (!(error instanceof QueueStateLockedError)) throw error;
    const endpoint = `http://127.0.0.1:${env.PORT?.trim() || "3000"}`;
    note(`the state folder ${stateDir} is locked by a running Lambkin: asking it over HTTP at ${endpoint}`);
    return httpEventsClient(endpoint, env);
  }
}

async function readyOrClosed(queue: JobQueue): Promise<void> {
  try {
    await queue.ready({ timeoutMs: REDIS_READY_MS });
  } catch (error) {
    await queue.close({ timeoutMs: 0 });
    throw error;
  }
}

function endpointUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `--endpoint must be a URL such as http://127.0.0.1:3000 (got ${JSON.stringify(text)})`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--endpoint must be an http:// or https:// URL (got ${JSON.stringify(text)})`);
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new UsageError("--endpoint takes no query, fragment or credentials: sign with AWS_ACCESS_KEY_ID");
  }
  return url.toString();
}
