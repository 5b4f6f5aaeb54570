/**
 * Reads a network namespace's TCP table, /proc/<pid>/net/tcp (IPv4) or tcp6 (IPv6): for each socket its
 * two ends, its state and its queues. What the queues mean (Linux, net/ipv4/tcp_ipv4.c get_tcp4_sock):
 * tx_queue is write_seq − snd_una, the bytes the socket's owner has written that the peer's kernel has
 * not acknowledged yet (unsent ones included); rx_queue is rcv_nxt − copied_seq, the bytes received
 * that the owner has not read yet. Addresses are hex words in the host's byte order (a little-endian
 * host prints 127.0.0.1 as 0100007F), ports hex in plain order. Nothing else is interpreted here.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { isIPv4, isIPv6 } from "node:net";
import { endianness } from "node:os";
import { join } from "node:path";

/** One end of a TCP connection, with its address in canonical form (see canonicalAddress). */
export interface TcpEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface TcpTableEntry {
  readonly local: TcpEndpoint;
  readonly remote: TcpEndpoint;
  /** The kernel's TCP state number (include/net/tcp_states.h): 1 ESTABLISHED, 10 LISTEN … */
  readonly state: number;
  /** Written by this end, not yet acknowledged by the peer's kernel (bytes). */
  readonly txQueue: number;
  /** Received by this end's kernel, not yet read by its owner (bytes). */
  readonly rxQueue: number;
}

export const TCP_ESTABLISHED = 1;
const READ_SIZE = 64 * 1024;
/** The smallest page (4096) less a generous longest line (tcp: 150 bytes, tcp6: ~180). */
const SURELY_AT_END = 4096 - 512;

type Endianness = "LE" | "BE";

/** Parses the text of /proc/…/net/tcp or tcp6; lines that are not socket rows are skipped. */
export function parseTcpTable(text: string, byteOrder: Endianness = endianness()): TcpTableEntry[] {
  const entries: TcpTableEntry[] = [];
  for (const line of text.split("\n")) {
    // "  0: 0100007F:0CEA 0100007F:A1B2 01 00000000:00000000 …"
    const [, local, remote, state, queues] = line.trim().split(/\s+/);
    const [tx, rx] = queues?.split(":") ?? [];
    if (!local || !remote || !state || tx === undefined || rx === undefined) continue;
    const localEnd = parseEndpoint(local, byteOrder);
    const remoteEnd = parseEndpoint(remote, byteOrder);
    if (!localEnd || !remoteEnd) continue; // the header line
    entries.push({
      local: localEnd,
      remote: remoteEnd,
      state: Number.parseInt(state, 16),
      txQueue: Number.parseInt(tx, 16),
      rxQueue: Number.parseInt(rx, 16),
    });
  }
  return entries;
}

/**
 * The TCP table of the network namespace that `netDir` (/proc/<pid>/net, /proc/self/net) belongs to,
 * for one address family; throws what reading it throws (ENOENT: the process is gone, EACCES …).
 */
export function readTcpTable(netDir: string, family: "IPv4" | "IPv6"): TcpTableEntry[] {
  return parseTcpTable(readWhole(join(netDir, family === "IPv4" ? "tcp" : "tcp6")));
}

/**
 * The file's text, in as few read() calls as possible: each call that reaches the end walks the
 * kernel's whole established-socket hash (~0.6 ms with 256 K buckets, however few sockets the
 * namespace has). seq_file hands out at most one buffer (a page, 4 KB or more) of whole lines per
 * call, and stops early only at the end or when the next line does not fit: a call that returned
 * less than a page minus the longest line has reached the end, and needs no second call to find it.
 */
function readWhole(path: string): string {
  const fd = openSync(path, "r");
  try {
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.allocUnsafe(READ_SIZE);
      const bytes = readSync(fd, chunk, 0, READ_SIZE, null);
      chunks.push(chunk.subarray(0, bytes));
      if (bytes <= SURELY_AT_END) return Buffer.concat(chunks).toString("latin1");
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * One spelling per address, for comparing what Node reports (`socket.remoteAddress`) with the table:
 * IPv4 dotted; IPv4-mapped IPv6 (::ffff:a.b.c.d, the table's or Node's) as that IPv4; other IPv6 as
 * eight groups of four lowercase hex digits. Anything else is returned as it is.
 */
export function canonicalAddress(address: string): string {
  const bare = address.replace(/%.*$/, ""); // a zone id (fe80::1%eth0)
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  }
  return groups.map((group) => group.toString(16).padStart(4, "0")).join(":");
}

export function sameEndpoint(a: TcpEndpoint, b: TcpEndpoint): boolean {
  return a.port === b.port && a.address === b.address;
}

function parseEndpoint(text: string, byteOrder: Endianness): TcpEndpoint | undefined {
  const match = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  const bytes = Buffer.from(match[1], "hex");
  // Each 32-bit word was printed as a host-order integer: on a little-endian host, reverse its bytes
  // to get back the network order.
  if (byteOrder === "LE")
    for (let word = 0; word < bytes.length; word += 4) bytes.subarray(word, word + 4).reverse();
  const address =
    bytes.length === 4
      ? [...bytes].join(".")
      : canonicalAddress(
          Array.from({ length: 8 }, (_, group) => bytes.readUInt16BE(group * 2).toString(16)).join(":"),
        );
  return { address, port: Number.parseInt(match[2], 16) };
}

/** The eight 16-bit groups of a valid IPv6 address (with "::" and a trailing dotted IPv4 expanded). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}
