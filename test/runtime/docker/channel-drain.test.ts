// The docker sandbox's drain barrier for the output channel (channel-drain.ts), over real TCP on
// 127.0.0.1: the "container" is a client socket of this process, so its table is /proc/self/net/tcp.
// Lambkin being busy — its receive window full, the runtime's bytes unacknowledged in the sender's
// send queue when the barrier is asked for — is made real by not reading for a while (the socket is
// paused), not faked. The barrier must resolve only once every byte written before it was delivered;
// the quiet-window barrier it replaces resolved while they were still queued (nothing was arriving).
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ChannelConnection, drainChannel, STALL_MS } from "../../../runtime/sandbox/docker/channel-drain.js";
import { canonicalAddress, type TcpEndpoint } from "../../../runtime/sandbox/docker/proc-net-tcp.js";

const MB = 1024 * 1024;
const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.close();
});

interface Channel {
  readonly endpoint: TcpEndpoint;
  /** Lambkin's side of each accepted connection, delivering (counting) what it reads. */
  readonly accepted: Promise<{ socket: Socket; connection: ChannelConnection }>;
}

async function channel(): Promise<Channel> {
  let accept: (value: { socket: Socket; connection: ChannelConnection }) => void = () => {};
  const accepted = new Promise<{ socket: Socket; connection: ChannelConnection }>((resolve) => {
    accept = resolve;
  });
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    sockets.push(socket);
    const connection = new ChannelConnection(socket, 0);
    socket.on("data", (chunk: Buffer) => connection.delivered(chunk.length));
    socket.pause(); // Lambkin busy: nothing read until the test resumes it
    accept({ socket, connection });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return { endpoint: { address: canonicalAddress(address.address), port: address.port }, accepted };
}

async function runtimeConnection(endpoint: TcpEndpoint): Promise<Socket> {
  const socket = connect(endpoint.port, endpoint.address);
  sockets.push(socket);
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  return socket;
}

/** Writes `bytes`, resolving once all of them are in the kernel (the runtime's write() returned). */
function writeAll(socket: Socket, bytes: number): Promise<void> {
  return new Promise((resolve) => socket.write(Buffer.alloc(bytes, 0x61), () => resolve()));
}

const peer = (endpoint: TcpEndpoint) => ({ netDir: "/proc/self/net", channel: endpoint });

describe("output channel drain barrier", () => {
  it("waits for bytes the runtime wrote that are still unacknowledged in its send queue", async () => {
    const { endpoint, accepted } = await channel();
    const runtime = await runtimeConnection(endpoint);
    const { socket, connection } = await accepted;
    // 1 MB fits in the sender's send buffer with the receiver's window full: the write completes.
    await writeAll(runtime, 1 * MB);
    expect(connection.deliveredTotal).toBe(0);
    const barrier = drainChannel([connection], peer(endpoint)).then((result) => ({
      result,
      delivered: connection.deliveredTotal,
    }));
    setTimeout(() => socket.resume(), 200); // Lambkin gets to read, later
    expect(await barrier).toEqual({ result: "drained", delivered: 1 * MB });
  });

  it("counts every byte written before it even while the runtime goes on writing", async () => {
    const { endpoint, accepted } = await channel();
    const runtime = await runtimeConnection(endpoint);
    const { socket, connection } = await accepted;
    socket.resume();
    let written = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await writeAll(runtime, 64 * 1024);
        written += 64 * 1024;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = written;
    const result = await drainChannel([connection], peer(endpoint));
    const delivered = connection.deliveredTotal;
    writing = false;
    await writer;
    // Resolved by counting (not by giving up after MAX_WAIT_MS), with at least what was written before.
    expect(result).toBe("drained");
    expect(delivered).toBeGreaterThanOrEqual(before);
  });

  it("waits for a connection the runtime opened that Lambkin has not accepted yet", async () => {
    const { endpoint, accepted } = await channel();
    const runtime = await runtimeConnection(endpoint);
    await writeAll(runtime, 64 * 1024);
    const connections: ChannelConnection[] = []; // not attached yet (greeting unread)
    const barrier = drainChannel(connections, peer(endpoint)).then((result) => ({
      result,
      delivered: connections[0]?.deliveredTotal,
    }));
    const { socket, connection } = await accepted;
    setTimeout(() => {
      connections.push(connection);
      socket.resume();
    }, 100);
    expect(await barrier).toEqual({ result: "drained", delivered: 64 * 1024 });
  });

  it("gives up when nothing moves, rather than holding END forever", async () => {
    const { endpoint, accepted } = await channel();
    const runtime = await runtimeConnection(endpoint);
    const { connection } = await accepted;
    await writeAll(runtime, 1 * MB); // never read
    const startedAt = Date.now();
    expect(await drainChannel([connection], peer(endpoint))).toBe("stalled");
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(STALL_MS);
  });

  it("says when the container's table is gone or cannot be read", async () => {
    const { endpoint, accepted } = await channel();
    await runtimeConnection(endpoint);
    const { connection } = await accepted;
    expect(await drainChannel([connection], { netDir: "/proc/no-such-process/net", channel: endpoint })).toBe(
      "gone",
    );
    expect(await drainChannel([connection], { netDir: "/proc/self/fd/0", channel: endpoint })).toBe(
      "unreadable",
    );
  });
});
