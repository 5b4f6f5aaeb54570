/**
 * Peer credentials of a loopback TCP connection: which user owns the socket at the other end. Linux
 * lists every TCP socket of a network namespace in /proc/net/tcp with the uid that created it; the
 * client's socket is the row whose local address is the connection's remote address and whose remote
 * address is the connection's local one. (A TCP socket has no SO_PEERCRED; this is what `ss -e` and
 * `identd` read.) The process sandbox gives each environment a uid of its own, so this tells an
 * environment's runtime apart from every other process on the host.
 *
 * One job: look the owner up, asynchronously. The Runtime API server decides what to do with it.
 */
import { readFile } from "node:fs/promises";
import type { Socket } from "node:net";
import { endianness } from "node:os";

const TCP4_TABLE = "/proc/net/tcp";

/**
 * The uid owning the client end of `socket` (an accepted IPv4 connection on this host), or
 * undefined when it cannot be told: not IPv4, already closed, or no /proc/net/tcp here.
 */
export async function peerUid(socket: Socket): Promise<number | undefined> {
  const { remoteAddress, remotePort, localAddress, localPort } = socket;
  if (!remoteAddress || !remotePort || !localAddress || !localPort) return undefined;
  const peer = tcp4Endpoint(remoteAddress, remotePort);
  const server = tcp4Endpoint(localAddress, localPort);
  if (!peer || !server) return undefined;
  const table = await freshTable();
  return table === undefined ? undefined : uidOfRow(table, peer, server);
}

let nextRead: Promise<string | undefined> | undefined;

/**
 * The kernel walks its whole connection hash to produce the table (≈2 ms here, whatever the number
 * of sockets): lookups asked for in the same turn of the event loop share one read. The read starts
 * after they were asked for, so it lists every connection they are about.
 */
function freshTable(): Promise<string | undefined> {
  nextRead ??= new Promise((resolve) =>
    setImmediate(() => {
      nextRead = undefined;
      readFile(TCP4_TABLE, "latin1").then(resolve, () => resolve(undefined));
    }),
  );
  return nextRead;
}

/** The uid column of the row `local rem …`; rows: `sl local rem st tx:rx tr:when retrnsmt uid …`. */
export function uidOfRow(table: string, local: string, remote: string): number | undefined {
  const key = ` ${local} ${remote} `;
  let at = table.indexOf(key);
  while (at !== -1) {
    const lineStart = table.lastIndexOf("\n", at) + 1;
    const lineEnd = table.indexOf("\n", at);
    const fields = table
      .slice(lineStart, lineEnd === -1 ? undefined : lineEnd)
      .trim()
      .split(/\s+/);
    // A socket in TIME_WAIT (06) has no owner any more (uid 0): only a live socket counts.
    if (fields[1] === local && fields[2] === remote && fields[3] !== "06") {
      const uid = Number(fields[7]);
      return Number.isInteger(uid) ? uid : undefined;
    }
    at = table.indexOf(key, at + 1);
  }
  return undefined;
}

/**
 * `127.0.0.1`, 8080 → `0100007F:1F90` on a little-endian host: the kernel prints the address as the
 * 32-bit value it stores (network order) in hex, the port as a number.
 */
export function tcp4Endpoint(address: string, port: number, order = endianness()): string | undefined {
  const octets = address.replace(/^::ffff:/, "").split(".");
  if (octets.length !== 4 || octets.some((octet) => !/^\d{1,3}$/.test(octet) || Number(octet) > 255)) {
    return undefined;
  }
  const bytes = octets.map((octet) => Number(octet).toString(16).padStart(2, "0").toUpperCase());
  const hexAddress = (order === "LE" ? bytes.reverse() : bytes).join("");
  return `${hexAddress}:${port.toString(16).padStart(4, "0").toUpperCase()}`;
}
