/**
 * The local stand-ins' default ports (SMTP 1025, DynamoDB Local 8000, S3 4569) when another Lambkin already serves on
 * them — typically another stage of the same service (`lambkin dev --stage prod` beside `--stage dev`): a port the
 * user did not choose is taken, so this Lambkin's stand-in takes any free one (printed when it starts, and in
 * `lambkin env`), and says so once (LKN_WRN_STAND_IN_PORT_MOVED). Its functions reach it through the endpoints
 * Lambkin gives them, so nothing else changes; the two stages never share a table, a bucket or a mailbox. A port
 * chosen with LAMBKIN_*_PORT is kept as chosen (taken: that stand-in does not run, as before).
 */
import { createServer } from "node:net";
import type { Logger } from "pino";
import { coded } from "../runtime/errors/lambkin-codes.js";

export async function freeUnlessChosen(
  port: number | undefined,
  variable: string,
  host: string,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number | undefined> {
  if (port === undefined || port === 0) return port;
  if (env[variable]?.trim()) return port;
  if (!(await isTaken(port, host))) return port;
  const code = "LKN_WRN_STAND_IN_PORT_MOVED";
  logger.warn(
    { code, port, variable },
    coded(
      code,
      `port ${port}, the default of ${variable}, is taken (another Lambkin — another stage? — or another program): this Lambkin's stand-in takes a free port instead; set ${variable} to choose one`,
    ),
  );
  return 0;
}

/** Whether something listens there now; any other failure to listen is left for the stand-in itself to report. */
function isTaken(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "EADDRINUSE"));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}
