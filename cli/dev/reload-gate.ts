/**
 * Keeps new environments from starting on files the hot reload has not taken in yet. A service's code is read
 * from its folder when an environment starts, so an environment started between a save and its reload would run
 * the new files under the old revision (and be counted as the old code). Two guards close that window:
 * - from a save's first watcher event until its reload has swapped, new environments of that folder wait;
 * - an environment about to start checks that no file of its folder is newer than its revision (a save whose
 *   event has not arrived yet) and, if one is, waits for the reload too.
 * Then it starts with the definition current after the reload. Waiting is bounded (MAX_HOLD_MS): a reload that
 * never comes must not stop a folder's functions for good. Invocations reaching warm environments never wait.
 */
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import { changedSince } from "../../runtime/revision/code-revision.js";

export const MAX_HOLD_MS = 5_000;

interface Hold {
  readonly done: Promise<void>;
  readonly release: () => void;
}

export class ReloadGate {
  /** Holds of the batch still collecting events, by service folder. */
  private open = new Map<string, Hold>();
  /** Holds of batches being reloaded. */
  private readonly sealed = new Map<string, Set<Hold>>();
  /**
   * When each folder's last batch closed: files modified before were part of a reload (swapped, or refused and
   * reported), so only later modifications make a start wait.
   */
  private readonly sealedAt = new Map<string, number>();

  /** A watcher event in this folder: its new environments wait until the batch is reloaded. */
  hold(serviceDir: string): void {
    if (!this.open.has(serviceDir)) this.open.set(serviceDir, newHold());
  }

  /** The batch closes: returns the function that releases its holds, to call once it is reloaded. */
  seal(): () => void {
    const holds = [...this.open.entries()];
    this.open = new Map();
    const now = Date.now();
    for (const [dir, hold] of holds) {
      const set = this.sealed.get(dir) ?? new Set();
      set.add(hold);
      this.sealed.set(dir, set);
      this.sealedAt.set(dir, now);
    }
    return () => {
      for (const [dir, hold] of holds) {
        hold.release();
        this.sealed.get(dir)?.delete(hold);
        if (this.sealed.get(dir)?.size === 0) this.sealed.delete(dir);
      }
    };
  }

  /** What an environment's start waits for (LambkinRuntime.gateEnvironmentStarts): true when it waited. */
  async gate(fn: FunctionDefinition): Promise<boolean> {
    const dir = fn.serviceDir;
    let waited = false;
    for (let holds = this.holdsOf(dir); holds.length > 0; holds = this.holdsOf(dir)) {
      waited = true;
      await Promise.all(holds.map((hold) => hold.done));
    }
    if (waited || !fn.codeRevision) return waited;
    const since = Math.max(fn.codeRevision.lastModified.getTime(), this.sealedAt.get(dir) ?? 0);
    if (!(await changedSince(dir, since))) return false;
    // Changed, and its event not seen yet: wait for the batch it will be part of.
    this.hold(dir);
    await this.open.get(dir)?.done;
    return true;
  }

  /** Releases every hold (Lambkin stops). */
  releaseAll(): void {
    for (const hold of this.open.values()) hold.release();
    for (const set of this.sealed.values()) for (const hold of set) hold.release();
  }

  private holdsOf(dir: string): Hold[] {
    return [...(this.sealed.get(dir) ?? []), ...(this.open.has(dir) ? [this.open.get(dir) as Hold] : [])];
  }
}

function newHold(): Hold {
  let release = () => {};
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, MAX_HOLD_MS);
    timer.unref();
    release = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, release };
}
