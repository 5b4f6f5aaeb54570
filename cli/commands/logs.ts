/**
 * `lambkin logs [function] [--follow] [--since 10m] [--filter TEXT]`: the invocation logs of a running Lambkin
 * (GET /_lambkin/logs), as `aws logs tail` prints a log group's
 * (https://awscli.amazonaws.com/v2/documentation/api/latest/reference/logs/tail.html): one line per event,
 * `<timestamp> <log stream> <message>`, from `--since` ago (default 10 minutes, as aws logs tail), and with
 * `--follow` every new one as it is written (server-sent events) until Ctrl-C. Without a function it shows every
 * function's, each line then naming its function before the log stream. `--json` prints the events as JSON lines.
 */
import pc from "picocolors";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import { parseLogFilter } from "../../runtime/logs/log-filter.js";
import { parseSince } from "../../runtime/logs/log-since.js";
import { functionColour } from "../human-log-stream.js";
import { LambkinRemoteError, lambkinApiClient } from "../lambkin-api-client.js";
import { EXIT_OK, UsageError } from "../usage-error.js";
import { defaultEndpoint } from "./env.js";

export interface LogsFlags {
  readonly endpoint?: string;
  readonly follow?: boolean;
  readonly since?: string;
  readonly filter?: string;
  readonly json?: boolean;
}

/** One event as GET /_lambkin/logs answers it. */
export interface LogEventJson {
  readonly eventId: string;
  readonly timestamp: number;
  readonly functionName: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly requestId?: string;
  readonly message: string;
}

const DEFAULT_SINCE = "10m";

export async function logsCommand(
  reference: string | undefined,
  flags: LogsFlags,
  env: NodeJS.ProcessEnv = process.env,
  output: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const query = queryOf(reference, flags);
  const client = lambkinApiClient(flags.endpoint ?? defaultEndpoint(env), env);
  const print = printer(reference === undefined, flags.json === true, output);
  if (!flags.follow) {
    const answer = await client.call<{ events: LogEventJson[] }>("GET", "/logs", query);
    for (const event of answer.events) print(event);
    return EXIT_OK;
  }
  const stop = new AbortController();
  const interrupted = () => stop.abort();
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    const response = await client.stream("/logs", { ...query, follow: "1" }, stop.signal);
    await readEvents(response, stop.signal, (type, data) => {
      if (type === "log") print(JSON.parse(data) as LogEventJson);
      else if (type === "dropped") {
        const { dropped } = JSON.parse(data) as { dropped: number };
        process.stderr.write(
          `${pc.yellow("lambkin logs:")} ${dropped} events dropped: this stream was read slower than the functions wrote\n`,
        );
      }
    });
    if (stop.signal.aborted) return EXIT_OK;
    throw new LambkinRemoteError(
      "LKN_ERR_LOGS_STREAM_LOST",
      coded("LKN_ERR_LOGS_STREAM_LOST", `${client.where} ended the stream of logs (Lambkin stopped?)`),
    );
  } catch (error) {
    if (stop.signal.aborted) return EXIT_OK;
    if (error instanceof LambkinRemoteError) throw error;
    throw new LambkinRemoteError(
      "LKN_ERR_LOGS_STREAM_LOST",
      coded(
        "LKN_ERR_LOGS_STREAM_LOST",
        `the stream of logs from ${client.where} broke: ${(error as Error).message}`,
      ),
    );
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  }
}

/** The query, checked here first: a mistake is a usage error (exit 2) before anything is asked. */
function queryOf(reference: string | undefined, flags: LogsFlags): Record<string, string> {
  let since: number;
  try {
    since = parseSince(flags.since ?? DEFAULT_SINCE);
    parseLogFilter(flags.filter);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    ...(reference === undefined ? {} : { function: reference }),
    // As an absolute time: "10m" means ten minutes before this command ran, whatever the server's clock says.
    since: String(since),
    ...(flags.filter === undefined ? {} : { filter: flags.filter }),
  };
}

function printer(everyFunction: boolean, json: boolean, output: NodeJS.WritableStream) {
  return (event: LogEventJson) => {
    if (json) {
      output.write(`${JSON.stringify(event)}\n`);
      return;
    }
    const where = everyFunction
      ? `${functionColour(event.functionName)(event.functionName)} ${pc.cyan(event.logStreamName)}`
      : pc.cyan(event.logStreamName);
    // Lambda's Node runtime writes a multi-line message as one event with `\r` for its newlines.
    output.write(
      `${pc.green(awsTimestamp(event.timestamp))} ${where} ${event.message.replaceAll("\r", "\n")}\n`,
    );
  };
}

/** As aws logs tail prints a time: `2026-12-02T10:00:00.123000+00:00` (Python's isoformat, in UTC). */
export function awsTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000+00:00");
}

/**
 * Reads a text/event-stream body (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
 * and calls back once per event with its type and data; comments (`: keep-alive`) are skipped.
 */
async function readEvents(
  response: Response,
  signal: AbortSignal,
  onEvent: (type: string, data: string) => void,
): Promise<void> {
  const body = response.body;
  if (body === null) return;
  const decoder = new TextDecoder();
  let buffered = "";
  const reader = body.getReader();
  signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined), { once: true });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let end = buffered.indexOf("\n\n");
    while (end !== -1) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let type = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const text = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") type = text;
        else if (field === "data") data.push(text);
      }
      if (data.length > 0) onEvent(type, data.join("\n"));
      end = buffered.indexOf("\n\n");
    }
  }
}
