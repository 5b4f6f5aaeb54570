/**
 * BeforeExitListener: the single action to run when Node's event loop drains ('beforeExit').
 *
 * This is how "wait for an empty event loop" works (RIC src/BeforeExitListener.js): index.ts registers
 * `invoke` once on process 'beforeExit'; an invoke then sets what draining means for it — post the
 * callback's result (callbackWaitsForEmptyEventLoop), post `null` for a sync handler that never called
 * back, or fail an async handler whose promise never settled (Runtime.NodeJsExit). Stored under a global
 * symbol like the RIC's, so it survives a second copy of this module.
 */
const LISTENER = Symbol.for("aws.lambda.beforeExit");
const NO_OP = (): void => {};
const slot = globalThis as unknown as Record<symbol, () => void>;

/** Run the current listener (registered on process 'beforeExit'). */
export function invoke(): void {
  (slot[LISTENER] ?? NO_OP)();
}

/** Back to doing nothing when the loop drains. */
export function reset(): void {
  slot[LISTENER] = NO_OP;
}

/** Replace the current listener. */
export function set(listener: () => void): void {
  slot[LISTENER] = listener;
}
