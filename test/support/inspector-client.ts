/**
 * A minimal Chrome DevTools Protocol client for tests: Node 20 has no global WebSocket (without a flag) and `ws`
 * is not a dependency, so this speaks RFC 6455 itself over node:http's upgrade — text frames, client frames
 * masked, server frames of any length, fragmented messages joined. Enough to drive a Node inspector.
 */
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import type { Socket } from "node:net";

export interface InspectorTarget {
  readonly id: string;
  readonly webSocketDebuggerUrl: string;
  readonly devtoolsFrontendUrl?: string;
}

export interface CdpEvent {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/** GET /json/list of an inspector on 127.0.0.1:port (the endpoint Chrome's chrome://inspect reads). */
export async function inspectorTargets(port: number): Promise<InspectorTarget[]> {
  // Bounded: a frozen (SIGSTOPped) runtime would never answer.
  const response = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(10_000) });
  return (await response.json()) as InspectorTarget[];
}

export class InspectorClient {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (e: Error) => void }
  >();
  private readonly events: CdpEvent[] = [];
  private readonly waiters: { method: string; resolve: (event: CdpEvent) => void }[] = [];
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.received(chunk));
    socket.on("close", () => {
      this.closed = true;
      for (const { reject } of this.pending.values()) reject(new Error("inspector connection closed"));
      this.pending.clear();
    });
  }

  static connect(webSocketUrl: string): Promise<InspectorClient> {
    const url = new URL(webSocketUrl);
    return new Promise((resolve, reject) => {
      const upgrade = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: {
          Connection: "Upgrade",
          Upgrade: "websocket",
          "Sec-WebSocket-Version": "13",
          "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
        },
      });
      upgrade.once("upgrade", (_response, socket, head) => {
        const client = new InspectorClient(socket);
        if (head.length > 0) client.received(head);
        resolve(client);
      });
      upgrade.once("response", (response) => reject(new Error(`no upgrade: HTTP ${response.statusCode}`)));
      upgrade.once("error", reject);
      upgrade.end();
    });
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new Error(`inspector connection closed before ${method}`));
    const id = this.nextId++;
    this.write(Buffer.from(JSON.stringify({ id, method, params })));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (value) => resolve(value as Record<string, unknown>), reject });
    });
  }

  /** The first event of this method, received already or to come. */
  event(method: string, matches: (event: CdpEvent) => boolean = () => true): Promise<CdpEvent> {
    const seen = this.events.find((event) => event.method === method && matches(event));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) =>
      this.waiters.push({
        method,
        resolve: (event) => {
          if (matches(event)) resolve(event);
          else void this.event(method, matches).then(resolve);
        },
      }),
    );
  }

  /** Every event of this method received so far. */
  receivedEvents(method: string): CdpEvent[] {
    return this.events.filter((event) => event.method === method);
  }

  close(): void {
    this.socket.destroy();
  }

  private write(payload: Buffer): void {
    const mask = randomBytes(4);
    const length = payload.length;
    const header =
      length < 126
        ? Buffer.from([0x81, 0x80 | length])
        : length < 65536
          ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff])
          : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), bigEndian64(length)]);
    const masked = Buffer.alloc(length);
    for (let i = 0; i < length; i += 1) masked[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  private received(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const first = this.buffer[0] ?? 0;
      const second = this.buffer[1] ?? 0;
      let length = second & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) return;
      const payload = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      const opcode = first & 0x0f;
      if (opcode === 0x8) {
        this.socket.end();
        return;
      }
      if (opcode === 0x1 || opcode === 0x0) {
        this.fragments.push(Buffer.from(payload));
        if (first & 0x80) {
          const text = Buffer.concat(this.fragments).toString("utf8");
          this.fragments = [];
          this.message(JSON.parse(text) as Record<string, unknown>);
        }
      }
    }
  }

  private message(message: Record<string, unknown>): void {
    if (typeof message.id === "number") {
      const call = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) call?.reject(new Error(JSON.stringify(message.error)));
      else call?.resolve(message.result);
      return;
    }
    const event = {
      method: String(message.method),
      params: (message.params ?? {}) as Record<string, unknown>,
    };
    this.events.push(event);
    const waiting = this.waiters.filter((waiter) => waiter.method === event.method);
    for (const waiter of waiting) this.waiters.splice(this.waiters.indexOf(waiter), 1);
    for (const waiter of waiting) waiter.resolve(event);
  }
}

function bigEndian64(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(value));
  return buffer;
}
