/**
 * The local stand-ins' default ports (SMTP 1025, DynamoDB Local 8000, S3 4569) when another Lambkin already serves on
 * them — typically another stage of the same service (`lambkin dev --stage prod` beside `--stage dev`): a port the
 * user did not choose is taken, so this Lambkin's stand-in takes any free one (printed when it starts, and by
 * `lambkin env`), and says so once it runs there (LKN_WRN_STAND_IN_PORT_MOVED). Its functions reach it through the
 * endpoints Lambkin gives them, so nothing else changes; the two stages never share a table, a bucket or a mailbox.
 * A port chosen with LAMBKIN_*_PORT is kept as chosen (taken: that stand-in does not run, and Lambkin says so).
 */
import { createServer } from "node:net";
import type { Logger } from "pino";
import { coded } from "../runtime/errors/lambkin-codes.js";

export type StandInPortVariable = "LAMBKIN_SMTP_PORT" | "LAMBKIN_DYNAMODB_PORT" | "LAMBKIN_S3_PORT";

export class StandInPorts {
  /** The default ports given up, by their setting. */
  private readonly moved = new Map<StandInPortVariable, number>();

  constructor(
    private readonly host: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The port to start the stand-in on: `port`, or 0 (any free one) when it is a default that is taken now. */
  async choose(port: number | undefined, variable: StandInPortVariable): Promise<number | undefined> {
    if (port === undefined || port === 0) return port;
    if (this.env[variable]?.trim()) return port;
    if (!(await isTaken(port, this.host))) return port;
    this.moved.set(variable, port);
    return 0;
  }

  /** Whether `choose` gave up the default port of that setting. */
  wasMoved(variable: StandInPortVariable): boolean {
    return this.moved.has(variable);
  }

  /** Once the stand-ins run: one warning for each that runs on a free port instead of its taken default. */
  report(logger: Logger, running: Readonly<Partial<Record<StandInPortVariable, boolean>>>): void {
    for (const [variable, port] of this.moved) {
      if (!running[variable]) continue;
      const code = "LKN_WRN_STAND_IN_PORT_MOVED";
      logger.warn(
        { code, port, variable },
        coded(
          code,
          `port ${port}, the default of ${variable}, is taken (another Lambkin — another stage? — or another program): this Lambkin's stand-in runs on a free port instead (above); set ${variable} to choose one`,
        ),
      );
    }
  }
}

/** Whether something listens there now; any other failure to listen is left for the stand-in itself to report. */
function isTaken(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "EADDRINUSE"));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}
