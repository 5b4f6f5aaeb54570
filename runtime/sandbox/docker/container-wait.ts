/**
 * Waits for a container's next exit, registered with the engine BEFORE the container starts: the
 * engine answers `POST /containers/{id}/wait?condition=next-exit` with its headers once the wait is
 * in place and with the body at the exit, so waiting for the headers first means no exit — however
 * early, even one that is followed by auto-removal — can slip by unseen (a missed exit would be a hung
 * invocation).
 */
import type Docker from "dockerode";

export interface WaitResult {
  readonly StatusCode: number;
  readonly Error?: { readonly Message?: string } | null;
}

/** Resolves once the wait is registered, with the exit to come (boxed: a promise cannot hold a promise). */
export function registerNextExit(
  docker: Docker,
  id: string,
): Promise<{ readonly exit: Promise<WaitResult> }> {
  return new Promise((registered, failed) => {
    docker.modem.dial(
      {
        path: `/containers/${id}/wait?`,
        method: "POST",
        options: { condition: "next-exit" },
        isStream: true,
        statusCodes: { 200: true, 400: "bad parameter", 404: "no such container", 500: "server error" },
      },
      (error: Error | null, stream: unknown) => {
        if (error) return failed(error);
        const exit = readResult(stream as NodeJS.ReadableStream);
        exit.catch(() => undefined); // observed by the environment; never an unhandled rejection
        registered({ exit });
      },
    );
  });
}

function readResult(stream: NodeJS.ReadableStream): Promise<WaitResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("error", (error) => {
      settled = true;
      reject(error);
    });
    const finish = () => {
      if (settled) return;
      settled = true;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as WaitResult);
      } catch {
        reject(new Error("the engine closed the wait for the container's exit without an answer"));
      }
    };
    stream.once("end", finish);
    stream.once("close", finish);
  });
}
