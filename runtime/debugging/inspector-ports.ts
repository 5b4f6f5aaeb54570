/**
 * Hands out inspector ports to the environments of inspected functions: a function's first environment gets the
 * function's own port (inspect-plan.ts); one that starts while it is taken (a second concurrent environment, or
 * the next one of a function whose old environment is still going away) gets the next port that is neither
 * another inspected function's own port, nor held by another environment, nor taken on this host.
 *
 * A port is only checked free, then handed to node, which binds it: another program may take it in between, in
 * which case node prints "Starting inspector on … failed" and the function runs without a debugger.
 */
import { createServer } from "node:net";

export const INSPECTOR_HOST = "127.0.0.1";

export interface InspectorLease {
  readonly port: number;
  /**
   * `own`: the function's own port; `next`: the own port is held by another environment of the function (a
   * second concurrent one); `taken`: another program listens on the own port.
   */
  readonly kind: "own" | "next" | "taken";
  /** `--inspect-brk`: the runtime waits for a debugger before its first line. */
  readonly breakOnStart?: boolean;
  release(): void;
}

export class InspectorPorts {
  private readonly held = new Set<number>();
  private readonly reserved: ReadonlySet<number>;

  constructor(private readonly ownPorts: ReadonlyMap<string, number>) {
    this.reserved = new Set(ownPorts.values());
  }

  /** Undefined for a function that is not inspected; throws when no port up to 65535 is free. */
  async lease(functionName: string): Promise<InspectorLease | undefined> {
    const own = this.ownPorts.get(functionName);
    if (own === undefined) return undefined;
    const ownHeld = this.held.has(own);
    for (let port = own; port <= 65535; port += 1) {
      if (port !== own && this.reserved.has(port)) continue;
      if (this.held.has(port)) continue;
      this.held.add(port); // before the await: a concurrent lease must not pick it too
      if (await isFree(port)) {
        let released = false;
        return {
          port,
          kind: port === own ? "own" : ownHeld ? "next" : "taken",
          release: () => {
            if (released) return;
            released = true;
            this.held.delete(port);
          },
        };
      }
      this.held.delete(port);
    }
    throw new Error(`no free inspector port from ${own} up for ${functionName}`);
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host: INSPECTOR_HOST, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
