// The TCP table reader of the docker sandbox's drain barrier, on this host's real /proc/self/net/tcp:
// real connections are opened here and found from both ends, their queues observed as the kernel
// reports them (a receiver that does not read, a sender whose peer's window is full), and a table of
// more than one seq_file page is read whole. No Docker needed: a container's table has the same format.
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  canonicalAddress,
  parseTcpTable,
  readTcpTable,
  sameEndpoint,
  TCP_ESTABLISHED,
  type TcpEndpoint,
  type TcpTableEntry,
} from "../../../runtime/sandbox/docker/proc-net-tcp.js";

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.close();
});

async function listen(host: string, onConnection: (socket: Socket) => void = () => {}): Promise<TcpEndpoint> {
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return { address: canonicalAddress(address.address), port: address.port };
}

async function dial(server: TcpEndpoint): Promise<{ socket: Socket; local: TcpEndpoint }> {
  const socket = connect(server.port, server.address);
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  return {
    socket,
    local: { address: canonicalAddress(socket.localAddress ?? ""), port: socket.localPort ?? 0 },
  };
}

function find(table: TcpTableEntry[], local: TcpEndpoint, remote: TcpEndpoint): TcpTableEntry | undefined {
  return table.find((entry) => sameEndpoint(entry.local, local) && sameEndpoint(entry.remote, remote));
}

async function until<T>(read: () => T | undefined, what: string): Promise<T> {
  for (let waited = 0; waited < 10_000; waited += 10) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("/proc/net/tcp", () => {
  it("shows a real connection from both ends, established, with addresses as Node spells them", async () => {
    const server = await listen("127.0.0.1");
    const { local } = await dial(server);
    const table = readTcpTable("/proc/self/net", "IPv4");
    expect(find(table, local, server)?.state).toBe(TCP_ESTABLISHED);
    expect(find(table, server, local)?.state).toBe(TCP_ESTABLISHED);
    expect(local.address).toBe("127.0.0.1");
    expect(table.find((entry) => sameEndpoint(entry.local, server))?.state).toBeDefined();
  });

  it("counts in rx_queue what the receiver has not read, in tx_queue what its window refused", async () => {
    const bytes = 8 * 1024 * 1024;
    let receiver: Socket | undefined;
    const server = await listen("127.0.0.1", (socket) => {
      receiver = socket; // pauseOnConnect: its kernel queues, nothing is read
    });
    const { socket: sender, local } = await dial(server);
    sender.write(Buffer.alloc(bytes, 0x61));
    // Once the receiver's window is full, the rest waits in the sender's send queue, unacknowledged.
    const [theirs, mine] = await until(() => {
      const table = readTcpTable("/proc/self/net", "IPv4");
      const ends = [find(table, server, local), find(table, local, server)] as const;
      return (ends[0]?.rxQueue ?? 0) > 0 && (ends[1]?.txQueue ?? 0) > 0 ? ends : undefined;
    }, "both queues");
    expect(theirs?.txQueue).toBe(0); // the receiver sent nothing
    expect(mine?.rxQueue).toBe(0);
    expect((theirs?.rxQueue ?? 0) + (mine?.txQueue ?? 0)).toBeLessThanOrEqual(bytes + 1);

    let received = 0;
    receiver?.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    receiver?.resume();
    await until(() => (received === bytes ? true : undefined), "every byte");
    const drained = await until(() => {
      const table = readTcpTable("/proc/self/net", "IPv4");
      const ends = [find(table, server, local), find(table, local, server)];
      return ends.every((end) => end?.rxQueue === 0 && end.txQueue === 0) ? ends : undefined;
    }, "empty queues");
    expect(drained).toHaveLength(2);
  });

  it("reads a table longer than one page whole (the kernel hands out a page per read)", async () => {
    const server = await listen("127.0.0.1");
    const ends = await Promise.all(Array.from({ length: 60 }, () => dial(server)));
    const table = readTcpTable("/proc/self/net", "IPv4");
    expect(table.length).toBeGreaterThan(120); // ~27 rows fit in a 4 KB page
    for (const { local } of ends) {
      expect(find(table, local, server)?.state).toBe(TCP_ESTABLISHED);
      expect(find(table, server, local)?.state).toBe(TCP_ESTABLISHED);
    }
  });

  it("shows IPv6 connections in tcp6, where this host has IPv6", async (context) => {
    let server: TcpEndpoint;
    try {
      server = await listen("::1");
    } catch {
      return context.skip(); // no IPv6 loopback here
    }
    const { local } = await dial(server);
    const table = readTcpTable("/proc/self/net", "IPv6");
    expect(server.address).toBe("0000:0000:0000:0000:0000:0000:0000:0001");
    expect(find(table, local, server)?.state).toBe(TCP_ESTABLISHED);
  });

  it("parses the kernel's rows in either byte order and skips what is not a row", () => {
    const header =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
    const row =
      "   0: 0100007F:0CEA 0200A8C0:A1B2 01 0000002A:00000010 00:00000000 00000000     0        0 1 1";
    expect(parseTcpTable(`${header}\n${row}\n`, "LE")).toEqual([
      {
        local: { address: "127.0.0.1", port: 0x0cea },
        remote: { address: "192.168.0.2", port: 0xa1b2 },
        state: 1,
        txQueue: 42,
        rxQueue: 16,
      },
    ]);
    expect(parseTcpTable(row, "BE")[0]?.local.address).toBe("1.0.0.127");
    const mapped =
      "   0: 0000000000000000FFFF00000100007F:0050 00000000000000000000000001000000:0000 0A 00000000:00000000";
    expect(parseTcpTable(mapped, "LE")[0]?.local).toEqual({ address: "127.0.0.1", port: 80 });
    expect(parseTcpTable(mapped, "LE")[0]?.remote.address).toBe("0000:0000:0000:0000:0000:0000:0000:0001");
  });

  it("spells addresses one way", () => {
    expect(canonicalAddress("172.18.0.1")).toBe("172.18.0.1");
    expect(canonicalAddress("::ffff:172.18.0.1")).toBe("172.18.0.1");
    expect(canonicalAddress("::1")).toBe("0000:0000:0000:0000:0000:0000:0000:0001");
    expect(canonicalAddress("fe80::1%eth0")).toBe("fe80:0000:0000:0000:0000:0000:0000:0001");
    expect(canonicalAddress("2001:DB8::8:800:200C:417A")).toBe("2001:0db8:0000:0000:0008:0800:200c:417a");
    expect(canonicalAddress("not an address")).toBe("not an address");
  });
});
