/**
 * The drain barrier of the docker sandbox's output channel (output-channel.ts): resolves once every
 * byte the runtime wrote to its stdout/stderr connections before the barrier was asked for has been
 * read by Lambkin and handed to the line listeners — by counting bytes, not by waiting for quiet.
 *
 * Why counting is needed: a write() into a TCP socket returns once the bytes are in the container's
 * send queue. When Lambkin is busy its receive window fills, and the bytes stay there, unacknowledged,
 * while the runtime's /response has long arrived on another connection. The kernel says how many:
 * the container-side socket's tx_queue in the container's TCP table (proc-net-tcp.ts). So, for each
 * connection, the bytes written before now are at most
 *
 *     bytesRead (by Lambkin's handle) + rx_queue (Lambkin's kernel, not read yet) + tx_queue (container)
 *
 * when the three are read in that upstream-to-downstream order (a byte moving meanwhile is counted twice,
 * never missed). The barrier waits until Lambkin has delivered that many bytes. Each new reading is
 * another valid bound, and the least is kept: when the runtime has stopped writing, a reading with
 * nothing in flight gives the exact count; when it keeps writing, the first bound is reached as soon
 * as Lambkin has caught up with it. A connection the container has opened to the channel but Lambkin
 * has not yet accepted and greeted is waited for too (its bytes have nowhere to be counted yet).
 *
 * Bounded: a barrier that makes no progress at all for STALL_MS (over STALL_ROUNDS rounds, so that a
 * blocked event loop does not count as a stall) or lasts MAX_WAIT_MS gives up — a runtime must not hold
 * its invocation's END forever.
 */
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import {
  canonicalAddress,
  readTcpTable,
  sameEndpoint,
  TCP_ESTABLISHED,
  type TcpEndpoint,
  type TcpTableEntry,
} from "./proc-net-tcp.js";

export const STALL_MS = 1_000;
const STALL_ROUNDS = 50;
export const MAX_WAIT_MS = 10_000;
/** While the container still holds bytes, the next reading comes this much later (ms). */
const POLL_MS = 1;
const OWN_NET_DIR = "/proc/self/net";

/**
 * - drained: every byte written before the call has been delivered;
 * - stalled: gave up (no progress, or MAX_WAIT_MS);
 * - gone: the container's process is gone (and its network namespace with it: nothing is in flight);
 * - unreadable: the container's table cannot be read (the caller falls back);
 * - unmatched: the table has none of the open connections: it is not the container's (falls back).
 */
export type ChannelDrainResult = "drained" | "stalled" | "gone" | "unreadable" | "unmatched";

/** One accepted and greeted connection of the output channel, as Lambkin's side sees it. */
export class ChannelConnection {
  /** Lambkin's end (the channel's address) and the container's end. */
  readonly local: TcpEndpoint;
  readonly remote: TcpEndpoint;
  private deliveredBytes: number;
  private finished = false;

  /** `consumed`: the bytes of the stream already read before this (the greeting). */
  constructor(
    private readonly socket: Socket,
    consumed: number,
  ) {
    this.local = { address: canonicalAddress(socket.localAddress ?? ""), port: socket.localPort ?? 0 };
    this.remote = { address: canonicalAddress(socket.remoteAddress ?? ""), port: socket.remotePort ?? 0 };
    this.deliveredBytes = consumed;
    // After 'end' every byte has been delivered; after 'close' nothing more can come.
    socket.once("end", () => this.finish());
    socket.once("close", () => this.finish());
  }

  /** Called once a chunk has been handed to the line listeners. */
  delivered(bytes: number): void {
    this.deliveredBytes += bytes;
  }

  get deliveredTotal(): number {
    return this.deliveredBytes;
  }

  get isOpen(): boolean {
    return !this.finished;
  }

  /** Bytes Lambkin's handle has read from the kernel (some may not be delivered yet). */
  get bytesRead(): number {
    return this.socket.bytesRead;
  }

  get family(): "IPv4" | "IPv6" {
    return this.local.address.includes(":") ? "IPv6" : "IPv4";
  }

  private finish(): void {
    this.finished = true;
  }
}

export interface ChannelPeer {
  /** /proc/<pid>/net of a process in the container's network namespace. */
  readonly netDir: string;
  /** The channel's address, as the container connects to it. */
  readonly channel: TcpEndpoint;
}

/** Waits until what was written to `connections` before this call has been delivered (see above). */
export async function drainChannel(
  connections: readonly ChannelConnection[],
  peer: ChannelPeer,
): Promise<ChannelDrainResult> {
  const family = peer.channel.address.includes(":") ? "IPv6" : "IPv4";
  const bounds = new Map<ChannelConnection, number>();
  const startedAt = performance.now();
  let progressAt = startedAt;
  let roundsWithoutProgress = 0;
  let lastProgress = "";
  for (let round = 0; ; round++) {
    let theirs: TcpTableEntry[];
    try {
      theirs = readTcpTable(peer.netDir, family); // first: upstream of everything below
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === "ENOENT" || code === "ESRCH" ? "gone" : "unreadable";
    }
    const open = connections.filter((connection) => connection.isOpen);
    const matched = open.map((connection) => theirs.find((entry) => isContainerEnd(entry, connection)));
    if (round === 0 && open.length > 0 && matched.every((entry) => entry === undefined)) return "unmatched";
    // Connections of this container to the channel that Lambkin has not accepted and greeted yet.
    const unattached = theirs.some(
      (entry) =>
        entry.state === TCP_ESTABLISHED &&
        sameEndpoint(entry.remote, peer.channel) &&
        !connections.some((connection) => sameEndpoint(connection.remote, entry.local)),
    );
    const sent = matched.map((entry) => entry?.txQueue ?? 0); // gone from the table: sends nothing more
    const containerHolds = unattached || sent.some((bytes) => bytes > 0);
    if (!containerHolds) {
      // Everything written so far has reached Lambkin's kernel: a poll phase that reads nothing more
      // (epoll reports a socket with bytes queued) means it has all been read. The usual case: one
      // reading of the container's table and one phase.
      const before = open.map((connection) => connection.bytesRead);
      await afterOnePollPhase();
      const read = open.every(
        (connection, index) =>
          !connection.isOpen ||
          (connection.bytesRead === before[index] && connection.deliveredTotal >= connection.bytesRead),
      );
      if (read) return "drained";
      // Bytes came: a backlog, or a runtime that writes on. Count them (the bound below holds for a
      // reading of Lambkin's table made any time after the container's).
    }
    const mine = open.length > 0 ? readOwnTable(open) : [];
    if (!mine) return "unreadable";
    let done = !unattached;
    open.forEach((connection, index) => {
      const kernel = mine.find((entry) => isLambkinEnd(entry, connection))?.rxQueue ?? 0;
      const bound = Math.min(
        bounds.get(connection) ?? Number.POSITIVE_INFINITY,
        connection.bytesRead + kernel + (sent[index] ?? 0),
      );
      bounds.set(connection, bound);
      if (connection.isOpen && connection.deliveredTotal < bound) done = false;
    });
    if (done) return "drained";

    const now = performance.now();
    const progress = [
      connections.length,
      ...open.map((connection, index) => `${connection.deliveredTotal}/${sent[index]}`),
    ].join(",");
    if (progress !== lastProgress) {
      lastProgress = progress;
      progressAt = now;
      roundsWithoutProgress = 0;
    } else if (++roundsWithoutProgress >= STALL_ROUNDS && now - progressAt >= STALL_MS) return "stalled";
    if (now - startedAt >= MAX_WAIT_MS) return "stalled";
    // Bytes still in the container take a network round trip; Lambkin's own reads happen in the next
    // poll phase.
    await (containerHolds ? delay(POLL_MS) : afterOnePollPhase());
  }
}

/** The container's end of `connection`: its local end is what Lambkin sees as remote, and back. */
function isContainerEnd(entry: TcpTableEntry, connection: ChannelConnection): boolean {
  return sameEndpoint(entry.local, connection.remote) && sameEndpoint(entry.remote, connection.local);
}

function isLambkinEnd(entry: TcpTableEntry, connection: ChannelConnection): boolean {
  return sameEndpoint(entry.local, connection.local) && sameEndpoint(entry.remote, connection.remote);
}

/** Lambkin's own table, for the families of `open`; undefined when it cannot be read. */
function readOwnTable(open: readonly ChannelConnection[]): TcpTableEntry[] | undefined {
  const families = new Set(open.map((connection) => connection.family));
  try {
    return [...families].flatMap((family) => readTcpTable(OWN_NET_DIR, family));
  } catch {
    return undefined; // without Lambkin's receive queue the bound would be too low
  }
}

/** Resolves after the event loop has gone through one whole poll phase (I/O callbacks) from now. */
function afterOnePollPhase(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
