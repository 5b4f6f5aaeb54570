/**
 * Waiting with a bound: shutdowns and closes give work in flight a grace period, then go on whether it
 * finished or not (a stalled client, a handler that never returns must not hold a stop forever).
 */

/** Resolves when `promise` settles or after `ms`, whichever is first: true if it settled. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
