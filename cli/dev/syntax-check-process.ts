/**
 * The child process that runs syntax-check.ts's esbuild transforms. esbuild's JavaScript API starts its service
 * binary with the calling process's stderr inherited, and once it runs, writes of the calling process to a stderr
 * pipe whose reader falls behind block its event loop (seen with `lambkin dev` under a paused log reader). Run
 * here, with stderr going nowhere, esbuild never shares `lambkin dev`'s stderr.
 * Messages: { id, code, loader, sourcefile, format? } in; { id, errors? } out (esbuild's Message objects).
 */
import { type Loader, type Message, stop, transform } from "esbuild";

const REAP_MS = 200;

interface CheckRequest {
  readonly id: number;
  readonly code: string;
  readonly loader: Loader;
  readonly sourcefile: string;
  readonly format?: "cjs";
}

process.on("message", (request: CheckRequest) => {
  void transform(request.code, {
    loader: request.loader,
    sourcefile: request.sourcefile,
    ...(request.format ? { format: request.format } : {}),
    logLevel: "silent",
  }).then(
    () => process.send?.({ id: request.id }),
    (error: unknown) =>
      process.send?.({ id: request.id, errors: (error as { errors?: Message[] }).errors ?? [] }),
  );
});
// The parent gone (or closing the channel): nothing left to check. esbuild's service is stopped first, and given
// a moment to exit, so that this process reaps it rather than leave it to init as a zombie.
process.on("disconnect", () => {
  void Promise.resolve(stop()).finally(() => setTimeout(() => process.exit(0), REAP_MS));
});
