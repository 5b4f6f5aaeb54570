/**
 * `lambkin events list|show <id>|redrive <id>|purge [<id>|--all]`: the dead letters of asynchronous invocations —
 * every event that used up its attempts or its age and had no destination to take it, kept with its payload and
 * every attempt's error and request id. `redrive` runs one again as a new event (a new request id, its age
 * counted from now); `purge` removes one, or all with `--all` (never by accident: without an id it requires it).
 * `--json` prints the same JSON views as `GET /_lambkin/events` for scripts; otherwise a table and readable details.
 * How the dead letters are reached (the queue directly, or a running Lambkin over HTTP): open-events-client.ts.
 */
import pc from "picocolors";
import {
  deadLetterIdProblem,
  functionFilterProblem,
  type ListFilter,
  listLimitProblem,
} from "../../triggers/queue/dead-letter-view.js";
import type { EventsClient } from "../events/events-client.js";
import { formatList, formatShow, printable } from "../events/events-output.js";
import { type EventsTransportFlags, openEventsClient } from "../events/open-events-client.js";
import { EXIT_OK, UsageError } from "../usage-error.js";

export interface EventsFlags extends EventsTransportFlags {
  readonly json?: boolean;
}

export interface EventsListFlags extends EventsFlags {
  readonly limit?: string;
  readonly function?: string;
}

export interface EventsPurgeFlags extends EventsFlags {
  readonly all?: boolean;
}

export async function eventsListCommand(flags: EventsListFlags): Promise<number> {
  const filter = listFilter(flags);
  return withClient(flags, async (client) => {
    const views = await client.list(filter);
    write(flags.json ? json(views) : formatList(views, client.where));
  });
}

export async function eventsShowCommand(id: string, flags: EventsFlags): Promise<number> {
  checkId(id);
  return withClient(flags, async (client) => {
    const view = await client.show(id);
    write(flags.json ? json(view) : formatShow(view));
  });
}

export async function eventsRedriveCommand(id: string, flags: EventsFlags): Promise<number> {
  checkId(id);
  return withClient(flags, async (client) => {
    const redriven = await client.redrive(id);
    if (flags.json) return write(json(redriven));
    const when = client.live ? "it runs now" : "it runs once Lambkin runs on this queue (lambkin dev)";
    write(
      `${pc.green("redriven")} ${printable(id, true)} as a new event ${pc.bold(redriven.jobId)} (new request id): ${when}\n`,
    );
  });
}

export async function eventsPurgeCommand(id: string | undefined, flags: EventsPurgeFlags): Promise<number> {
  if (id === undefined && !flags.all) {
    throw new UsageError("purge removes dead letters for good: give an id, or --all to remove every one");
  }
  if (id !== undefined && flags.all) throw new UsageError("give an id or --all, not both");
  if (id !== undefined) checkId(id);
  return withClient(flags, async (client) => {
    const { purged } = await client.purge(id);
    if (flags.json) return write(json({ purged }));
    write(`${pc.green("purged")} ${purged} dead letter${purged === 1 ? "" : "s"} (${client.where})\n`);
  });
}

async function withClient(flags: EventsFlags, use: (client: EventsClient) => Promise<void>): Promise<number> {
  const client = await openEventsClient(flags);
  try {
    await use(client);
  } finally {
    await client.close();
  }
  return EXIT_OK;
}

function listFilter(flags: EventsListFlags): ListFilter {
  const limitProblem = flags.limit === undefined ? undefined : listLimitProblem(flags.limit);
  if (limitProblem) throw new UsageError(`--${limitProblem}`);
  const functionProblem = flags.function === undefined ? undefined : functionFilterProblem(flags.function);
  if (functionProblem) throw new UsageError(`--${functionProblem}`);
  return {
    ...(flags.limit === undefined ? {} : { limit: Number(flags.limit) }),
    ...(flags.function === undefined ? {} : { functionName: flags.function }),
  };
}

function checkId(id: string): void {
  const problem = deadLetterIdProblem(id);
  if (problem) throw new UsageError(problem);
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function write(text: string): void {
  process.stdout.write(text);
}
