/**
 * ChannelClient: the Runtime API over the private channel Lambkin hands its own Node bootstrap in the process
 * sandbox (channel-frames.ts), in place of HTTP over TCP. The same requests (method, path, headers, body) and
 * the same answers (status, headers, body) as keep-alive-http-client.ts, so rapid-client.ts treats both alike;
 * only the bytes between are fewer: no request line, Host, Content-Length or status text to write and parse,
 * and no connection to set up. Requests are numbered, so a crash report posted while `GET /next` long-polls
 * gets its own answer (what the HTTP client needs a second connection for).
 *
 * As with the HTTP client, the channel is unref'd while no request is in flight, so that it never keeps the
 * event loop alive ('beforeExit' must fire for callbackWaitsForEmptyEventLoop), and ref'd while one is (a
 * long-polling `GET /next` keeps the process alive). The channel closing means Lambkin is gone: every request
 * in flight fails, and rapid-client.ts exits.
 */
import { Socket } from "node:net";
import { type Frame, FrameReader, writeFrame } from "./channel-frames.js";
import type { HttpExchange, ResponseHeaders } from "./keep-alive-http-client.js";

export class ChannelClient {
  private readonly socket: Socket;
  private readonly reader: FrameReader;
  private readonly waiting = new Map<number, HttpExchange>();
  private sequence = 0;
  private failure: Error | undefined;

  constructor(fd: number) {
    this.socket = new Socket({ fd, readable: true, writable: true });
    this.socket.unref();
    this.reader = new FrameReader(
      (frame) => this.onFrame(frame),
      () => this.fail(new Error("malformed answer on the Runtime API channel")),
    );
    this.socket.on("data", (chunk: Buffer) => this.reader.push(chunk));
    this.socket.on("error", (error: Error) => this.fail(error));
    this.socket.on("close", () => this.fail(new Error("Runtime API channel closed")));
  }

  send(exchange: HttpExchange): void {
    if (this.failure) {
      exchange.done({ error: this.failure, reused: false });
      return;
    }
    this.sequence = (this.sequence + 1) >>> 0;
    const sequence = this.sequence;
    this.waiting.set(sequence, exchange);
    if (this.waiting.size === 1) this.socket.ref();
    let head = `${exchange.method} ${exchange.path}\n`;
    // The frame carries the body's length; the rest travel as they would over HTTP.
    for (const [name, value] of exchange.headers) {
      if (name !== "Content-Length") head += `${name}: ${value}\n`;
    }
    writeFrame(this.socket, sequence, head, exchange.body);
  }

  private onFrame(frame: Frame): void {
    const exchange = this.waiting.get(frame.sequence);
    if (!exchange) return; // an answer to no request of ours (a refusal before its number was read)
    this.waiting.delete(frame.sequence);
    if (this.waiting.size === 0) this.socket.unref();
    const lines = frame.head.split("\n");
    const headers: ResponseHeaders = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      const earlier = headers[name];
      headers[name] = earlier === undefined ? value : `${earlier}, ${value}`;
    }
    exchange.done({
      status: Number(lines[0]),
      headers,
      body: frame.body ?? Buffer.alloc(0),
      complete: true,
    });
  }

  private fail(error: Error): void {
    if (!this.failure) this.failure = error;
    this.reader.stop();
    this.socket.destroy();
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const exchange of waiting) exchange.done({ error, reused: false });
  }
}
