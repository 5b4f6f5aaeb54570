/**
 * Raw HTTP/1.1 over node:net, for what no HTTP client sends: malformed URLs, oversized header sections, a request
 * whose body never comes or comes one byte at a time. Reads the server's answer until it is complete (its
 * Content-Length is in), the server closes the connection, or the test's deadline passes.
 */
import { connect, type Socket } from "node:net";

export interface RawAnswer {
  /** 0 when the server closed the connection without answering. */
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Whether the server closed the connection before a complete answer or the deadline. */
  readonly closed: boolean;
  /** Milliseconds from connecting to the end of the answer (or to the deadline). */
  readonly elapsedMs: number;
}

export interface RawExchange {
  readonly socket: Socket;
  /** Settles when the server closes the connection, or at the deadline. */
  readonly answer: Promise<RawAnswer>;
}

/** Opens a connection, writes `head` (and nothing else: the test writes what follows), collects the answer. */
export function rawExchange(port: number, head: string | Buffer, deadlineMs = 20_000): RawExchange {
  const started = Date.now();
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  socket.write(head);
  const chunks: Buffer[] = [];
  const answer = new Promise<RawAnswer>((resolve) => {
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(Buffer.concat(chunks).toString("utf8"), closed, Date.now() - started));
    };
    const timer = setTimeout(() => finish(false), deadlineMs);
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (isComplete(Buffer.concat(chunks))) finish(false);
    });
    socket.on("close", () => finish(true));
  });
  return { socket, answer };
}

/** One complete request (Connection: close), answered. */
export function rawRequest(port: number, request: string | Buffer, deadlineMs?: number): Promise<RawAnswer> {
  return rawExchange(port, request, deadlineMs).answer;
}

function isComplete(received: Buffer): boolean {
  const split = received.indexOf("\r\n\r\n");
  if (split < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(received.subarray(0, split).toString("latin1"));
  return length !== null && received.length - split - 4 >= Number(length[1]);
}

function parse(text: string, closed: boolean, elapsedMs: number): RawAnswer {
  const split = text.indexOf("\r\n\r\n");
  if (!text.startsWith("HTTP/1.1 ") || split < 0)
    return { status: 0, headers: {}, body: "", closed, elapsedMs };
  const [statusLine, ...lines] = text.slice(0, split).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(statusLine?.split(" ")[1]),
    headers,
    body: text.slice(split + 4),
    closed,
    elapsedMs,
  };
}
