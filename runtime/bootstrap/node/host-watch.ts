/**
 * HostWatch: ends this environment when Lambkin, the process that spawned it, is gone — even in the
 * middle of a long invoke, when no Runtime API call is in flight to notice. (A failed Runtime API call
 * also exits: rapid-client.ts.) An environment must never outlive Lambkin.
 *
 * Polls the parent pid on an unref'd timer, so it never keeps the event loop alive (which would break
 * callbackWaitsForEmptyEventLoop). Not armed when the parent is pid 0/1 (a container's init, or already
 * orphaned): there the Runtime API connection is the only signal.
 */
const POLL_MS = 1000;

export function watchHost(): void {
  const parent = process.ppid;
  if (parent <= 1) return;
  setInterval(() => {
    if (process.ppid === parent) return;
    process.stderr.write(
      `[ERROR] [${Date.now()}] LAMBDA_RUNTIME Lambkin (pid ${parent}) is gone. Exiting.\n`,
    );
    process.exit(1);
  }, POLL_MS).unref();
}
