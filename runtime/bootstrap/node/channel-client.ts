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
import { writeSync } from "node:fs";
import { Socket } from "node:net";
import {
  encodeFrame,
  type Frame,
  FrameReader,
  NEXT_IF_ACCEPTED_HEADER,
  writeParts,
} from "./channel-frames.js";
import type { HttpExchange, ResponseHeaders } from "./keep-alive-http-client.js";

export class ChannelClient {
  private readonly socket: Socket;
  private readonly reader: FrameReader;
  private readonly waiting = new Map<number, HttpExchange>();
  private sequence = 0;
  private failure: Error | undefined;
  /** An answer and its `/next`, to leave together (sendAnswerAndNext); `beforeNext`: the answer's parts. */
  private held: { parts: (Buffer | undefined)[]; beforeNext: number } | undefined;

  constructor(private readonly fd: number) {
    this.socket = new Socket({ fd, readable: true, writable: true });
    process.on("exit", () => this.releaseOnExit());
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
    const parts = this.frame(exchange);
    const held = this.held;
    if (held) {
      // Only a crash report comes between an answer and its /next (runtime.ts: the process exits after it). It
      // leaves after the answer, never before it, and the /next is dropped: as with an answer sent at once, the
      // environment is not taken for a ready one while it exits.
      this.held = undefined;
      if (!this.failure) writeParts(this.socket, [...held.parts.slice(0, held.beforeNext), ...parts]);
      return;
    }
    writeParts(this.socket, parts);
  }

  /**
   * An invocation's answer and the next `GET /next` (rapid-client.ts), in one write — so that Lambkin wakes
   * once for both, where a write each would wake it twice — once the event loop has come round: what the
   * function does in the same turn and in the immediates it queued runs first. A `process.exit()` there ends
   * the environment with its answer sent and no `/next` (see releaseOnExit), as with the RIC, whose post is
   * synchronous: its environment is not taken for a ready one and handed the next event.
   */
  sendAnswerAndNext(answer: HttpExchange, next: HttpExchange): void {
    if (this.held) {
      // rapid-client.ts never sends a second pair before the first has left; were it to, it would go alone.
      this.send(answer);
      this.send(next);
      return;
    }
    const parts = this.frame(answer);
    const condition = `${NEXT_IF_ACCEPTED_HEADER}: ${this.sequence}\n`;
    this.held = { parts: [...parts, ...this.frame(next, condition)], beforeNext: parts.length };
    // Two turns of the check phase: the first runs before the immediates the function queued after its answer,
    // the second after them.
    setImmediate(() => setImmediate(() => this.release()));
  }

  /** Numbers an exchange and encodes it; nothing once the channel has failed (then it fails at once). */
  private frame(exchange: HttpExchange, extraHead = ""): (Buffer | undefined)[] {
    if (this.failure) {
      exchange.done({ error: this.failure, reused: false });
      return [];
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
    return encodeFrame(sequence, head + extraHead, exchange.body);
  }

  /** A request that will get no answer (a `/next` Lambkin dropped because the answer before it was refused). */
  forget(exchange: HttpExchange): void {
    for (const [sequence, waiting] of this.waiting) {
      if (waiting !== exchange) continue;
      this.waiting.delete(sequence);
      if (this.waiting.size === 0) this.socket.unref();
      return;
    }
  }

  private release(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    if (!this.failure) writeParts(this.socket, held.parts);
  }

  /**
   * The process exits with an answer not written yet: it is written now, synchronously, as far as the socket
   * takes it without waiting (what a write in the exiting turn would have managed), and the `/next` behind it is
   * dropped. Nothing is written when earlier bytes still wait in the socket's queue (they would be cut anyway).
   */
  private releaseOnExit(): void {
    const held = this.held;
    this.held = undefined;
    if (!held || this.failure || this.socket.writableLength > 0) return;
    for (const part of held.parts.slice(0, held.beforeNext)) {
      if (!part) continue;
      let at = 0;
      try {
        while (at < part.length) at += writeSync(this.fd, part, at, part.length - at);
      } catch {
        return; // EAGAIN (the socket is full) or the channel gone: what did not fit is lost, as it would be
      }
    }
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
    this.held = undefined;
    this.reader.stop();
    this.socket.destroy();
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const exchange of waiting) exchange.done({ error, reused: false });
  }
}
