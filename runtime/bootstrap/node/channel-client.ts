/**
 * ChannelClient: the Runtime API over the private channel Lambkin hands its own Node bootstrap in the process
 * sandbox (channel-frames.ts), in place of HTTP over TCP. The same requests (method, path, headers, body) and
 * the same answers (status, headers, body) as keep-alive-http-client.ts, so rapid-client.ts treats both alike;
 * only the bytes between are fewer: no request line, Host, Content-Length or status text to write and parse,
 * and no connection to set up. Requests are numbered, so a crash report posted while `GET /next` long-polls
 * gets its own answer (what the HTTP client needs a second connection for).
 *
 * Two ways to wait for the answers:
 *
 * - Blocking (`blocking`: an environment that runs one invocation at a time and that Lambkin freezes between
 *   invocations, process-sandbox.ts): a request is written with write(2) and the runtime then waits in read(2)
 *   until every request in flight is answered — as the RIC's native client waits in libcurl. While `GET /next`
 *   waits, the event loop does not turn: the environment is frozen from the moment its runtime asks for the next
 *   event, as Lambda freezes it (docs/lambda-behaviour.md §1.5), and the runtime spends no CPU on an idle
 *   event loop, a socket's stream machinery or a wake-up per answer (`npm run bench:channel` measures it against
 *   the socket, `evented`: 6–13% less environment CPU per invocation). Nothing is held by the event loop, so
 *   'beforeExit' still fires for callbackWaitsForEmptyEventLoop. Should the descriptor turn out non-blocking
 *   (EAGAIN), the client switches to the evented way for good.
 * - Evented (Managed Instances' worker threads, which run several invocations at once; an inspected environment,
 *   whose debugger needs the main thread between invocations; `LAMBKIN_FREEZE_IDLE=false`, under which timers run
 *   between invocations): a `net.Socket`. As with the HTTP client, it is unref'd while no request is in flight, so
 *   that it never keeps the event loop alive, and ref'd while one is (a long-polling `GET /next` keeps the process
 *   alive).
 *
 * The channel closing means Lambkin is gone: every request in flight fails, and rapid-client.ts exits.
 */
import { readSync, writeSync } from "node:fs";
import { Socket } from "node:net";
import {
  encodeFrame,
  type Frame,
  FrameReader,
  type FrameSink,
  NEXT_IF_ACCEPTED_HEADER,
  writeParts,
} from "./channel-frames.js";
import type { HttpExchange, ResponseHeaders } from "./keep-alive-http-client.js";

/** What one read(2) of the blocking client takes at most: answers are small, an event up to 6 MB comes in pieces. */
const READ_CHUNK_BYTES = 64 * 1024;

export class ChannelClient {
  /** The evented way's socket; undefined while the client blocks. */
  private socket: Socket | undefined;
  /** Where frames are written: the socket, or write(2) on the descriptor while the client blocks. */
  private readonly sink: FrameSink;
  private readBuffer: Buffer | undefined;
  /** A blocking wait for answers is under way (an answer's callback may send again: the same wait takes it). */
  private pumping = false;
  private readonly reader: FrameReader;
  private readonly waiting = new Map<number, HttpExchange>();
  private sequence = 0;
  private failure: Error | undefined;
  /** An answer and its `/next`, to leave together (sendAnswerAndNext); `beforeNext`: the answer's parts. */
  private held: { parts: (Buffer | undefined)[]; beforeNext: number } | undefined;

  constructor(
    private readonly fd: number,
    blocking = false,
  ) {
    process.on("exit", () => this.releaseOnExit());
    this.reader = new FrameReader(
      (frame) => this.onFrame(frame),
      () => this.fail(new Error("malformed answer on the Runtime API channel")),
    );
    this.sink = {
      cork: () => this.socket?.cork(),
      uncork: () => this.socket?.uncork(),
      write: (chunk) => this.write(chunk),
    };
    if (blocking) this.readBuffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    else this.openSocket();
  }

  private openSocket(): Socket {
    this.readBuffer = undefined;
    const socket = new Socket({ fd: this.fd, readable: true, writable: true });
    this.socket = socket;
    if (this.waiting.size === 0) socket.unref();
    socket.on("data", (chunk: Buffer) => this.reader.push(chunk));
    socket.on("error", (error: Error) => this.fail(error));
    socket.on("close", () => this.fail(new Error("Runtime API channel closed")));
    return socket;
  }

  private write(chunk: Buffer): boolean {
    if (this.failure) return false; // the rest of a frame after a failed part: the channel is done
    if (this.socket) return this.socket.write(chunk);
    let at = 0;
    while (at < chunk.length) {
      try {
        at += writeSync(this.fd, chunk, at, chunk.length - at);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EINTR") continue;
        if (code === "EAGAIN") return this.openSocket().write(chunk.subarray(at));
        this.fail(error as Error);
        return false;
      }
    }
    return true;
  }

  /**
   * Blocking: reads answers until every request in flight has one (an answer's callback that sends again extends
   * the same wait). The event loop does not turn meanwhile: that is the freeze between invocations.
   */
  private awaitAnswers(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.size > 0 && this.readBuffer && !this.failure) {
        let bytes: number;
        try {
          bytes = readSync(this.fd, this.readBuffer, 0, this.readBuffer.length, null);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "EINTR") continue;
          if (code === "EAGAIN") {
            this.openSocket(); // ref'd, requests being in flight: the rest of the answers come through the loop
            return;
          }
          this.fail(error as Error);
          return;
        }
        if (bytes === 0) {
          this.fail(new Error("Runtime API channel closed"));
          return;
        }
        // Copied: the reader may keep a partial frame's bytes while the buffer is read into again.
        this.reader.push(Buffer.from(this.readBuffer.subarray(0, bytes)));
      }
    } finally {
      this.pumping = false;
    }
  }

  private writeAndAwait(parts: (Buffer | undefined)[]): void {
    writeParts(this.sink, parts);
    if (!this.socket) this.awaitAnswers();
  }

  send(exchange: HttpExchange): void {
    const parts = this.frame(exchange);
    const held = this.held;
    if (held) {
      // Only a crash report comes between an answer and its /next (runtime.ts: the process exits after it). It
      // leaves after the answer, never before it, and the /next is dropped: as with an answer sent at once, the
      // environment is not taken for a ready one while it exits.
      this.held = undefined;
      if (!this.failure) this.writeAndAwait([...held.parts.slice(0, held.beforeNext), ...parts]);
      return;
    }
    this.writeAndAwait(parts);
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
    if (this.waiting.size === 1) this.socket?.ref();
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
      if (this.waiting.size === 0) this.socket?.unref();
      return;
    }
  }

  private release(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    if (!this.failure) this.writeAndAwait(held.parts);
  }

  /**
   * The process exits with an answer not written yet: it is written now, synchronously, as far as the socket
   * takes it without waiting (what a write in the exiting turn would have managed), and the `/next` behind it is
   * dropped. Nothing is written when earlier bytes still wait in the socket's queue (they would be cut anyway).
   */
  private releaseOnExit(): void {
    const held = this.held;
    this.held = undefined;
    if (!held || this.failure || (this.socket?.writableLength ?? 0) > 0) return;
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
    if (this.waiting.size === 0) this.socket?.unref();
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
    this.readBuffer = undefined;
    this.socket?.destroy();
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const exchange of waiting) exchange.done({ error, reused: false });
  }
}
