/**
 * The bounded shutdown of `lambkin dev` (and `lambkin gateway`, `lambkin worker`) on SIGINT/SIGTERM. Lambkin stops accepting connections; the
 * invocations in flight get their remaining time (an environment ends each one by its function timeout
 * at the latest, as Lambda does: https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html),
 * and their callers their answers; then every connection still open — a client trickling a body, an idle
 * keep-alive connection — is cut, every environment is stopped, and the process exits. Nothing a client
 * does can hold it longer. A second signal exits at once, stopping the environments first.
 */
import type { Server } from "node:http";
import { constants } from "node:os";
import type { Logger } from "pino";
import { settlesWithin } from "../../runtime/async/settles-within.js";
import { coded } from "../../runtime/errors/lambkin-codes.js";

/**
 * After the last invocation, how long its answer may take to reach its caller before the connections
 * still open are cut.
 */
const ANSWER_GRACE_MS = 1000;
/**
 * How long a forced exit waits for the environments to be stopped: Lambda's own Shutdown phase limit,
 * after which it ends the runtime with SIGKILL
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html, "Shutdown phase").
 */
const FORCED_STOP_MS = 2000;
/** Past the longest invocation, for its environment to report and hand back its outcome. */
const SETTLE_SLACK_MS = 5000;

export interface ShutdownParts {
  /** What stops, for the log line (default: "the gateway and every execution environment"). */
  readonly subject?: string;
  /** The gateway's HTTP server, whose connections are cut at the end (none in `lambkin worker`). */
  readonly server?: Server;
  /** Stops listening and resolves once every connection is closed. */
  closeGateway?(): Promise<void>;
  /** Stops taking queued work and resolves once the work taken is done (bounded by the caller). */
  stopIntake?(): Promise<void>;
  /** What runs the invocations in flight: this process's Invoker, or a gateway's calls waiting on workers. */
  readonly invoker: { readonly inFlight: number; drained(): Promise<void> };
  /** The longest an invocation running now may still take (init limit and function timeout). */
  readonly longestInvocationMs: number;
  /** Stops every environment (idempotent). */
  closeRuntime(): Promise<void>;
  readonly logger: Logger;
}

/** Resolves once the shutdown a first SIGINT/SIGTERM starts is complete. */
export function shutDownOnSignal(parts: ShutdownParts): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        exitAtOnce(parts, signal);
        return;
      }
      stopping = true;
      void shutDown(parts, signal).then(resolve);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

async function shutDown(parts: ShutdownParts, signal: NodeJS.Signals): Promise<void> {
  const { logger, invoker } = parts;
  logger.info(
    `${signal}: stopping ${parts.subject ?? "the gateway and every execution environment"} (${invoker.inFlight} invocation(s) in flight get their remaining time; a second ${signal} exits at once)`,
  );
  const gatewayClosed = (parts.closeGateway?.() ?? Promise.resolve()).catch((error: unknown) => {
    logger.error({ err: error }, "closing the gateway failed");
  });
  const drainMs = parts.longestInvocationMs + SETTLE_SLACK_MS;
  const intakeStopped = (parts.stopIntake?.() ?? Promise.resolve()).catch((error: unknown) => {
    logger.error({ err: error }, "stopping the queue consumer failed");
  });
  if (!(await settlesWithin(Promise.all([invoker.drained(), intakeStopped]), drainMs))) {
    logger.warn(
      coded(
        "LKN_WRN_SHUTDOWN_INVOCATIONS_CUT",
        `${invoker.inFlight} invocation(s) still running after ${drainMs} ms are cut`,
      ),
    );
  }
  await settlesWithin(gatewayClosed, ANSWER_GRACE_MS);
  const open = parts.server === undefined ? 0 : await openConnections(parts.server);
  if (open > 0) {
    logger.warn(coded("LKN_WRN_SHUTDOWN_CONNECTIONS_CUT", `${open} client connection(s) still open are cut`));
    parts.server?.closeAllConnections();
  }
  await gatewayClosed;
  await parts.closeRuntime();
}

function exitAtOnce(parts: ShutdownParts, signal: NodeJS.Signals): void {
  parts.logger.warn(
    coded(
      "LKN_WRN_SHUTDOWN_FORCED",
      `second ${signal}: exiting now, ${parts.invoker.inFlight} invocation(s) in flight are ended`,
    ),
  );
  const status = 128 + (constants.signals[signal] ?? 0); // the shell's status for "killed by signal"
  void settlesWithin(parts.closeRuntime(), FORCED_STOP_MS).finally(() => process.exit(status));
}

function openConnections(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));
}
