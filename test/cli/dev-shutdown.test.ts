// `lambkin dev` shuts down within a bound (issue 7): on SIGTERM it stops accepting connections, lets the
// invocations in flight finish and answer their callers, then cuts the clients still connected — one
// trickling a body at a byte a second, one idle on a keep-alive connection — and exits. A second
// signal exits at once. Bounds are generous: they tell "exits" from "hangs", not fast from slow.
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type DevProcess, startDev } from "./dev-process.js";

const FIXTURE = "test/fixtures/hostile-clients";
/** Far below "never", far above any honest shutdown of this fixture. */
const EXIT_BOUND_MS = 20_000;

function within<T>(promise: Promise<T>, ms: number): Promise<T | "still running"> {
  return Promise.race([
    promise,
    new Promise<"still running">((r) => setTimeout(() => r("still running"), ms)),
  ]);
}

async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(condition(), what).toBe(true);
}

/** A client that sends an Invoke request's headers, then its body at one byte a second, forever. */
function trickler(port: number): { socket: Socket; closed: Promise<void>; stop: () => void } {
  const socket = connect(port, "127.0.0.1");
  socket.write(
    "POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: lambkin\r\nContent-Length: 100000\r\n\r\n",
  );
  const timer = setInterval(() => socket.writable && socket.write("a"), 1000);
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, closed, stop: () => clearInterval(timer) };
}

/** A client that made one request and keeps its keep-alive connection open, idle. */
async function idleKeepAlive(port: number): Promise<{ closed: Promise<void> }> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const answered = new Promise<void>((resolve) => socket.once("data", () => resolve()));
  socket.write("GET /2015-03-31/functions/ HTTP/1.1\r\nHost: lambkin\r\nConnection: keep-alive\r\n\r\n");
  await answered;
  return { closed };
}

function invokeSlow(dev: DevProcess, ms: number): Promise<{ status: number; body: string }> {
  return fetch(`${dev.url}/2015-03-31/functions/slow/invocations`, {
    method: "POST",
    body: JSON.stringify({ ms }),
  }).then(async (response) => ({ status: response.status, body: await response.text() }));
}

describe("lambkin dev shutdown", () => {
  let dev: DevProcess | undefined;
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    dev?.child.kill("SIGKILL");
    dev = undefined;
  });

  it("SIGTERM: the invocation in flight answers, slow and idle clients are cut, Lambkin exits", async () => {
    dev = await startDev(FIXTURE, {}, ["--verbose"]); // --verbose: the START line says the invocation began
    const slow = invokeSlow(dev, 3000);
    await eventually(() => /slow │ START RequestId/.test(dev?.output() ?? ""), "the slow invocation started");
    const trickle = trickler(dev.port);
    stops.push(trickle.stop);
    const idle = await idleKeepAlive(dev.port);

    dev.child.kill("SIGTERM");
    expect(await within(dev.exited, EXIT_BOUND_MS), dev.output()).toBe(0);
    expect(await slow).toEqual({ status: 200, body: '{"slept":3000}' });
    expect(await within(trickle.closed, 1000)).toBeUndefined();
    expect(await within(idle.closed, 1000)).toBeUndefined();
    expect(dev.output()).toContain("SIGTERM: stopping the gateway and every execution environment");
    expect(dev.output()).toContain("LKN_WRN_SHUTDOWN_CONNECTIONS_CUT");
  }, 40_000);

  it("SIGTERM with nothing in flight but a trickling client exits without waiting for it", async () => {
    dev = await startDev(FIXTURE, {}, ["--verbose"]); // --verbose: the START line says the invocation began
    const trickle = trickler(dev.port);
    stops.push(trickle.stop);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a byte or two is in

    dev.child.kill("SIGTERM");
    expect(await within(dev.exited, EXIT_BOUND_MS), dev.output()).toBe(0);
    expect(await within(trickle.closed, 1000)).toBeUndefined();
  }, 40_000);

  it("a second SIGTERM exits at once, without waiting for the invocation in flight", async () => {
    dev = await startDev(FIXTURE, {}, ["--verbose"]); // --verbose: the START line says the invocation began
    const slow = invokeSlow(dev, 25_000).catch((error: Error) => error);
    await eventually(() => /slow │ START RequestId/.test(dev?.output() ?? ""), "the slow invocation started");

    dev.child.kill("SIGTERM");
    await eventually(() => /SIGTERM: stopping/.test(dev?.output() ?? ""), "the shutdown began");
    dev.child.kill("SIGTERM");
    // 143 = 128 + SIGTERM: how a shell reports a process ended by that signal.
    expect(await within(dev.exited, EXIT_BOUND_MS / 2), dev.output()).toBe(143);
    expect(dev.output()).toContain("LKN_WRN_SHUTDOWN_FORCED");
    expect(await slow).toBeInstanceOf(Error); // its connection went with the process
  }, 40_000);
});
