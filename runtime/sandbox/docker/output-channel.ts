/**
 * The runtime's stdout and stderr, straight from the container to Lambkin over TCP on the sandbox
 * network, rather than through the engine's attach stream. Why: a Lambda runtime writes its log lines
 * and then calls the Runtime API, and the invocation's log (the LogType Tail, END after the last line)
 * relies on the lines arriving first. Through the engine (container → shim → dockerd → attach) they
 * trail the runtime's HTTP call by a millisecond or more; over the same network path as that call they
 * arrive before it, as through a pipe.
 *
 * One listener per provider, on the address the Runtime API servers use. The launcher connects twice
 * (stdout, then stderr) and opens each connection with `<token> <1|2>\n`; a connection without a
 * known token is closed, so one environment cannot write into another's log. Anything on the sandbox
 * network may connect: a connection that does not greet in time, or greets wrongly, is closed, and no
 * socket or server error is left unhandled (an unhandled 'error' would take Lambkin down).
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import type { OutputStream } from "../sandbox.js";

const STREAMS: Record<string, OutputStream> = { "1": "stdout", "2": "stderr" };
const MAX_GREETING = 128;
/** The launcher greets as soon as it connects; a connection silent for this long is closed. */
export const GREETING_TIMEOUT_MS = 10_000;

export interface OutputSink {
  /**
   * A connection of this environment's runtime, for one of its streams; `greetingBytes` of it were
   * read already (the greeting line), for the sink's count of the stream's bytes.
   */
  attach(stream: OutputStream, socket: Socket, greetingBytes: number): void;
}

export interface OutputRegistration {
  readonly token: string;
  release(): void;
}

export class OutputChannel {
  private readonly server: Server;
  private readonly sinks = new Map<string, OutputSink>();
  private address: AddressInfo | undefined;

  constructor(private readonly greetingTimeoutMs = GREETING_TIMEOUT_MS) {
    this.server = createServer((socket) => this.greet(socket));
    // After listen, a server only reports failed accepts (EMFILE under a flood of connections): they
    // are transient, and without a listener they would be thrown.
    this.server.on("error", () => {});
  }

  async listen(host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, host, () => resolve());
    });
    this.address = this.server.address() as AddressInfo;
  }

  /** `host:port` for the launcher, once listening. */
  get endpoint(): string | undefined {
    return this.address ? `${this.address.address}:${this.address.port}` : undefined;
  }

  register(sink: OutputSink): OutputRegistration {
    const token = randomBytes(16).toString("hex");
    this.sinks.set(token, sink);
    return { token, release: () => this.sinks.delete(token) };
  }

  close(): void {
    this.server.close();
  }

  private greet(socket: Socket): void {
    socket.setNoDelay(true);
    let greeting = Buffer.alloc(0);
    const silent = setTimeout(() => socket.destroy(), this.greetingTimeoutMs);
    socket.once("close", () => clearTimeout(silent));
    const onData = (chunk: Buffer) => {
      greeting = Buffer.concat([greeting, chunk]);
      const newline = greeting.indexOf(0x0a);
      if (newline === -1) {
        if (greeting.length > MAX_GREETING) socket.destroy();
        return;
      }
      clearTimeout(silent);
      socket.off("data", onData);
      const [token = "", stream = ""] = greeting.subarray(0, newline).toString("latin1").split(" ");
      const sink = this.sinks.get(token);
      const name = Object.hasOwn(STREAMS, stream) ? STREAMS[stream] : undefined; // not "__proto__"
      if (!sink || !name) return void socket.destroy();
      sink.attach(name, socket, newline + 1);
      const rest = greeting.subarray(newline + 1);
      if (rest.length > 0) socket.emit("data", rest);
    };
    socket.on("data", onData);
    socket.on("error", () => socket.destroy());
  }
}
