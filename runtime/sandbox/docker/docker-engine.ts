/**
 * The connection to the Docker engine (dockerode, which honours DOCKER_HOST) and the deadline every
 * engine call gets: a wedged or vanished engine must end in a clear error, never in a hung invocation.
 */
import Docker from "dockerode";

/** Default deadline of one engine call (create, start, inspect, remove…). */
export const ENGINE_CALL_MS = 20_000;

export function connectDocker(): Docker {
  return new Docker();
}

/** Where the engine is expected, for messages: DOCKER_HOST or the default socket. */
export function engineAddress(): string {
  return process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
}

export class EngineTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`the Docker engine did not answer ${what} within ${ms / 1000} s`);
    this.name = "EngineTimeoutError";
  }
}

export function withDeadline<T>(promise: Promise<T>, what: string, ms = ENGINE_CALL_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EngineTimeoutError(what, ms)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The engine's HTTP status for a failed call (404 no such container/image, 409 conflict…). */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** True when the engine cannot be reached at all (no socket, refused, no permission). */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    error instanceof EngineTimeoutError ||
    (typeof code === "string" &&
      ["ENOENT", "ECONNREFUSED", "EACCES", "ECONNRESET", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"].includes(code))
  );
}
