/**
 * The `lambkin` command line. Exit status: 0 success, 1 function error, 2 bad usage or manifest.
 * Lambkin's own errors are printed as one line that starts with their catalogue code (`[LKN_ERR_…]`).
 */
import { Command, CommanderError, Option } from "commander";
import pc from "picocolors";
import { ConcurrencyConfigError } from "../runtime/concurrency/concurrency-plan.js";
import { ConfigError } from "../runtime/errors/config-error.js";
import { coded, codeOf, type LambkinCode } from "../runtime/errors/lambkin-codes.js";
import { ServiceError } from "../runtime/errors/service-errors.js";
import { ManifestError } from "../runtime/manifest/manifest-error.js";
import { type DevFlags, devCommand } from "./commands/dev.js";
import { type EnvFlags, envCommand } from "./commands/env.js";
import {
  type EventsFlags,
  type EventsListFlags,
  type EventsPurgeFlags,
  eventsListCommand,
  eventsPurgeCommand,
  eventsRedriveCommand,
  eventsShowCommand,
} from "./commands/events.js";
import { type GatewayFlags, gatewayCommand } from "./commands/gateway.js";
import { type ImagesBuildFlags, imagesBuildCommand } from "./commands/images.js";
import { type InvokeFlags, invokeCommand } from "./commands/invoke.js";
import { type LogsFlags, logsCommand } from "./commands/logs.js";
import { type MailFlags, mailCommand } from "./commands/mail.js";
import { type PackageFlags, packageCommand } from "./commands/package.js";
import { type WorkerFlags, workerCommand } from "./commands/worker.js";
import type { HumanLogOptions } from "./human-log-stream.js";
import { createLogger, type LogFormat } from "./logger.js";
import { EXIT_USAGE, UsageError } from "./usage-error.js";

const program = new Command("lambkin")
  .description("Run AWS Lambda handlers, unchanged, on machines you own")
  .addOption(
    new Option("--log-format <format>", "log output on stderr")
      .choices(["pretty", "json"])
      .default(process.env.LAMBKIN_LOG_FORMAT === "json" ? "json" : "pretty"),
  )
  .exitOverride()
  .showHelpAfterError();

function serviceOptions(command: Command): Command {
  return command
    .option("--dir <dir>", "a service folder (serverless.yml) or a folder of services", "functions")
    .option("--stage <stage>", "stage, as serverless --stage (default: the manifest's, else dev)")
    .option("--region <region>", "region, as serverless --region (default: the manifest's, else us-east-1)");
}

serviceOptions(
  program
    .command("invoke")
    .description("invoke a function once and print its response payload")
    .argument("<function>", "function name, serverless.yml key or ARN")
    .option("-d, --data <json>", "event payload as JSON text")
    .option("-p, --path <file>", "event payload from a JSON file")
    .option("-q, --qualifier <version>", "version ($LATEST)"),
).action(async (reference: string, flags: InvokeFlags) => {
  process.exitCode = await invokeCommand(reference, flags, logger());
});

serviceOptions(
  program
    .command("package")
    .description(
      "write the zip Lambda would take for each service (or each function, with package.individually): its code, production dependencies only, TypeScript bundled",
    )
    .argument("[service]", "the service to package (default: every service under --dir)")
    .option("--out <dir>", "where the zips go (default: <service>/.serverless/, as serverless package)"),
).action(async (service: string | undefined, flags: PackageFlags) => {
  process.exitCode = await packageCommand(service, flags, logger());
});

serviceOptions(
  program
    .command("dev")
    .description("serve every service's HTTP routes and the Lambda Invoke API until stopped (npm start)")
    .option("--port <port>", "HTTP port (default: $PORT, else 3000)")
    .option("--host <host>", "address to listen on (default: $LAMBKIN_HOST, else 127.0.0.1)")
    .option(
      "--state <dir>",
      "state folder: queue, mail, DynamoDB Local's tables, S3's objects (default: $LAMBKIN_STATE_DIR, else ./.lambkin, with --stage ./.lambkin/stages/<stage>)",
    )
    .option(
      "--fresh",
      "start empty: delete the state folder's contents first (Redis, when used, is left alone)",
    )
    .option(
      "--verbose",
      "print Lambda's START/END/REPORT lines of every invocation, not only its one-line summary",
    )
    .addOption(inspectOption())
    .addOption(
      inspectOption(
        "--inspect-brk [functions]",
        "as --inspect, but each environment's runtime waits for a debugger and stops at its first line, so that init code can be stepped",
      ),
    )
    .option(
      "--inspect-port <port>",
      "the first inspected function's port base: each function gets base + its index in sorted order (default: $LAMBKIN_INSPECT_PORT, else 9229)",
    )
    .option(
      "--no-watch",
      "no hot reload: do not watch the service folders for changes (a change then needs a restart)",
    ),
).action(async (flags: DevFlags) => {
  process.exitCode = await devCommand(flags, logger({ verbose: flags.verbose === true }));
});

serviceOptions(
  program
    .command("gateway")
    .description(
      "serve HTTP routes and the Invoke API for a cluster: invocations run on `lambkin worker`s sharing REDIS_URL",
    )
    .option("--port <port>", "HTTP port (default: $PORT, else 3000)")
    .option("--host <host>", "address to listen on (default: $LAMBKIN_HOST, else 127.0.0.1)"),
).action(async (flags: GatewayFlags) => {
  process.exitCode = await gatewayCommand(flags, logger());
});

serviceOptions(
  program
    .command("worker")
    .description(
      "run the invocations of a cluster's gateways (synchronous and queued) in execution environments (REDIS_URL)",
    ),
).action(async (flags: WorkerFlags) => {
  process.exitCode = await workerCommand(flags, logger());
});

function eventsOptions(command: Command): Command {
  return command
    .option("--json", "print JSON for scripts (the same as GET /_lambkin/events)")
    .option(
      "--state <dir>",
      "state folder of the embedded queue (default: $LAMBKIN_STATE_DIR, else ./.lambkin); REDIS_URL: BullMQ's",
    )
    .option(
      "--stage <stage>",
      "that stage's dead letters (the state folder ./.lambkin/stages/<stage>, or its Redis prefix), as lambkin dev --stage",
    )
    .option(
      "--endpoint <url>",
      "ask a running Lambkin over HTTP (signed with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY when set)",
    );
}

const events = program
  .command("events")
  .description(
    "asynchronous events that failed for good (attempts or age used up, no destination): list, show, redrive, purge",
  );
eventsOptions(
  events
    .command("list")
    .description("the dead letters, oldest first")
    .option("--limit <n>", "at most this many (1-1000, default 100)")
    .option("--function <name>", "only this function's"),
).action(async (flags: EventsListFlags) => {
  process.exitCode = await eventsListCommand(flags);
});
eventsOptions(
  events
    .command("show")
    .description("one dead letter: its payload and every attempt's error")
    .argument("<id>", "the dead letter's id (lambkin events list)"),
).action(async (id: string, flags: EventsFlags) => {
  process.exitCode = await eventsShowCommand(id, flags);
});
eventsOptions(
  events
    .command("redrive")
    .description("run a dead letter's event again, as a new event with a new request id")
    .argument("<id>", "the dead letter's id"),
).action(async (id: string, flags: EventsFlags) => {
  process.exitCode = await eventsRedriveCommand(id, flags);
});
eventsOptions(
  events
    .command("purge")
    .description("remove one dead letter, or every one with --all")
    .argument("[id]", "the dead letter's id")
    .option("--all", "remove every dead letter"),
).action(async (id: string | undefined, flags: EventsPurgeFlags) => {
  process.exitCode = await eventsPurgeCommand(id, flags);
});

program
  .command("env")
  .description(
    'print the endpoints of a running Lambkin as shell exports (eval "$(lambkin env)"): AWS_ENDPOINT_URL_LAMBDA, _SQS, _SNS, …',
  )
  .option("--endpoint <url>", "the running Lambkin (default: http://127.0.0.1:$PORT, PORT default 3000)")
  .action(async (flags: EnvFlags) => {
    process.exitCode = await envCommand(flags);
  });

program
  .command("mail")
  .description("the mail a running Lambkin's local mail service received (GET /_lambkin/mail), oldest first")
  .option("--endpoint <url>", "the running Lambkin (default: http://127.0.0.1:$PORT, PORT default 3000)")
  .option("--json", "print the JSON array, as GET /_lambkin/mail answers it")
  .action(async (flags: MailFlags) => {
    process.exitCode = await mailCommand(flags);
  });

program
  .command("logs")
  .description(
    "the invocation logs of a running `lambkin dev` or `lambkin gateway` (GET /_lambkin/logs), as `aws logs tail`: <timestamp> <log stream> <message>",
  )
  .argument("[function]", "function name, serverless.yml key or ARN (default: every function's)")
  .option("-f, --follow", "keep printing new events as the functions write them, until Ctrl-C")
  .option(
    "--since <time>",
    "from this long ago (30s, 10m, 1h, 2d, 1w) or this time (ISO 8601, or ms since the epoch); default 10m",
  )
  .option(
    "--filter <pattern>",
    'only events with this text; CloudWatch terms: ERROR Exception (all), "a phrase", ?ERROR ?WARN (any), -debug (not)',
  )
  .option("--json", "print each event as one JSON line (the fields of GET /_lambkin/logs)")
  .option("--endpoint <url>", "the running Lambkin (default: http://127.0.0.1:$PORT, PORT default 3000)")
  .action(async (reference: string | undefined, flags: LogsFlags) => {
    process.exitCode = await logsCommand(reference, flags);
  });

program
  .command("images")
  .description("the runtime images of the docker sandbox (LAMBKIN_SANDBOX=docker)")
  .command("build")
  .description("build one image per supported runtime (lambkin/runtime:<runtime>)")
  .option("--offline", "build from this host's node and Debian packages, without any registry")
  .option(
    "--missing",
    "only when an image is missing or carries another Lambkin's runtime files; current ones are kept, however they were built",
  )
  .action(async (flags: ImagesBuildFlags) => {
    process.exitCode = await imagesBuildCommand(flags, logger());
  });

/** `--inspect`, `--inspect=a,b`, `--inspect=a --inspect=b`: every value, in order; a bare one is `*` (every Node function). */
function inspectOption(
  flags = "--inspect [functions]",
  description = "run these functions (comma-separated, or repeat the flag; none: every Node function) under the Node inspector on 127.0.0.1, ports printed at start; their timeouts are suspended",
): Option {
  return new Option(flags, description)
    .preset("*")
    .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}

function logger(human: HumanLogOptions = {}) {
  return createLogger(program.opts<{ logFormat: LogFormat }>().logFormat, undefined, human);
}

try {
  await program.parseAsync();
} catch (error) {
  process.exitCode = reportFailure(error);
}

function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message; the code follows on its own line.
    if (error.exitCode === 0) return 0; // help and --version exit 0; usage mistakes 2
    process.stderr.write(`${pc.red("error:")} ${coded("LKN_ERR_CLI_USAGE", "see lambkin --help")}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ServiceError) {
    process.stderr.write(`${pc.red(`${error.errorName}:`)} ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (
    error instanceof UsageError ||
    error instanceof ManifestError ||
    error instanceof ConcurrencyConfigError ||
    error instanceof ConfigError
  ) {
    process.stderr.write(`${pc.red("error:")} ${withCode(error.code, error.message)}\n`);
    return EXIT_USAGE;
  }
  const code = codeOf(error);
  if (code && error instanceof Error) {
    process.stderr.write(`${pc.red("lambkin failed:")} ${withCode(code, error.message)}\n`);
    return 1;
  }
  process.stderr.write(
    `${pc.red("lambkin failed:")} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
}

/** Docker errors already start with their code; others get it in front. */
function withCode(code: LambkinCode, message: string): string {
  return message.startsWith(`[${code}]`) ? message : coded(code, message);
}
