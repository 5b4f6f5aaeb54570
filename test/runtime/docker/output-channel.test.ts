// The docker sandbox's output channel (a TCP listener on the sandbox network) against hostile
// connections: silence, an overlong or wrong greeting, a greeting naming no stream ("__proto__"),
// a reset. None of it takes Lambkin down or reaches a sink; a proper greeting still attaches. Runs
// without Docker: the channel is a plain TCP server, spoken to here over 127.0.0.1.
import { connect, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OutputChannel } from "../../../runtime/sandbox/docker/output-channel.js";
import type { OutputStream } from "../../../runtime/sandbox/sandbox.js";

const closings = new WeakMap<Socket, Promise<"closed">>();

function dial(endpoint: string): Socket {
  const [host = "", port = ""] = endpoint.split(":");
  const socket = connect(Number(port), host);
  socket.on("error", () => {});
  closings.set(socket, new Promise((resolve) => socket.once("close", () => resolve("closed"))));
  return socket;
}

function closed(socket: Socket): Promise<"closed"> {
  return closings.get(socket) ?? Promise.resolve("closed");
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | "still open"> {
  return Promise.race([promise, new Promise<"still open">((r) => setTimeout(() => r("still open"), ms))]);
}

describe("docker output channel", () => {
  let channel: OutputChannel;
  let endpoint: string;
  const attached: [OutputStream, string][] = [];
  let token: string;

  beforeEach(async () => {
    attached.length = 0;
    channel = new OutputChannel(300);
    await channel.listen("127.0.0.1");
    endpoint = channel.endpoint ?? "";
    token = channel.register({
      attach: (stream, socket) =>
        socket.on("data", (chunk: Buffer) => attached.push([stream, chunk.toString()])),
    }).token;
  });
  afterEach(() => channel.close());

  it("closes connections that stay silent, greet too long, or greet wrongly, and still serves", async () => {
    const silent = dial(endpoint);
    const overlong = dial(endpoint);
    overlong.write("x".repeat(1000));
    const unknown = dial(endpoint);
    unknown.write("0123456789abcdef 1\nlog line\n");
    const prototype = dial(endpoint);
    prototype.write(`${token} __proto__\nlog line\n`);
    const reset = dial(endpoint);
    reset.on("connect", () => reset.resetAndDestroy());

    for (const socket of [silent, overlong, unknown, prototype]) {
      expect(await within(closed(socket), 5000)).toBe("closed");
    }
    expect(attached).toEqual([]);

    const launcher = dial(endpoint);
    launcher.write(`${token} 2\nhello from stderr\n`);
    for (let i = 0; i < 100 && attached.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(attached).toEqual([["stderr", "hello from stderr\n"]]);
    launcher.destroy();
  });
});
