/**
 * The drain barrier of a runtime's output: knows when the bytes a runtime wrote before some moment
 * (its /response, its return to /next) have been read and handed to the line listeners.
 *
 * Why it holds: a runtime writes its log records synchronously (Lambkin's Node bootstrap as the RIC,
 * `echo` in a shell runtime) and only then calls the Runtime API. Through a pipe or a Unix socket, a
 * write that returned is already in Lambkin's receive queue, bounded by the socket's buffer; libuv
 * reads a readable stream until it would block (up to 32 × 64 KB per poll phase). So once a full poll
 * phase has passed after the Runtime API call was read, what was written before it has been read —
 * unless the phase still brought bytes (more than libuv reads at once): then wait for another one.
 * Over TCP (the docker sandbox's output channel) written bytes may still be in the container's send
 * queue: the docker sandbox counts them (docker/channel-drain.ts), and only where it cannot read the
 * container's TCP table does it wait here, in addition, until the output has been quiet briefly.
 */

import { performance } from "node:perf_hooks";

/** At most this many poll phases are awaited (a runtime that never stops writing must not hold END). */
const MAX_PHASES = 64;

export interface DrainOptions {
  /** Over TCP: the output must have been silent this long (ms); 0 through a pipe. */
  readonly quietMs?: number;
  /** The barrier resolves by then, whatever still arrives (ms). */
  readonly capMs?: number;
}

export class OutputActivity {
  private bytes = 0;
  private lastArrival = Number.NEGATIVE_INFINITY;

  /** Called for every chunk read from the runtime's stdout or stderr. */
  received(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.lastArrival = performance.now();
  }

  async drained({ quietMs = 0, capMs = 500 }: DrainOptions = {}): Promise<void> {
    const deadline = performance.now() + capMs;
    for (let phase = 0; phase < MAX_PHASES && performance.now() < deadline; phase++) {
      const before = this.bytes;
      await afterOnePollPhase();
      const quietFor = performance.now() - this.lastArrival;
      if (this.bytes === before && quietFor >= quietMs) return;
      if (quietFor < quietMs) await delay(Math.min(quietMs - quietFor, deadline - performance.now()));
    }
  }
}

/** Resolves after the event loop has gone through one whole poll phase (I/O callbacks) from now. */
function afterOnePollPhase(): Promise<void> {
  // The first immediate runs at the end of the current iteration; the second after the next poll.
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
