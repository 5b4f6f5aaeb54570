// `lambkin dev --inspect=fn`: the function's first environment starts with `lambkin dev`, its Node inspector
// listening on 127.0.0.1 at the printed port before any request; a debugger attached there stops at a breakpoint
// in the handler's own source, the function is not cut at its 1 s timeout while paused, and the request completes
// once resumed; a second concurrent environment gets the next port; bad values are coded usage errors.
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type CdpEvent, InspectorClient, inspectorTargets } from "../support/inspector-client.js";
import { type SpawnedLambkin, spawnLambkin, untilReady } from "./cluster-process.js";

const ROOT = join(import.meta.dirname, "..", "..");
const FIXTURE = join(ROOT, "test", "fixtures", "inspect");
const HANDLER = join(FIXTURE, "handler.js");

type Dev = SpawnedLambkin;

function runDev(args: readonly string[], env: NodeJS.ProcessEnv = {}): Dev {
  return spawnLambkin(["dev", "--port", "0", "--dir", FIXTURE, "--log-format", "pretty", ...args], { env });
}

function ready(dev: Dev): Promise<string> {
  return untilReady(dev, /ready on (http:\/\/[\d.]+:\d+)/, "lambkin dev");
}

async function waitFor(dev: Dev, pattern: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(dev.output());
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A base port with the fixture's two ports and the next two free, away from other tests' 9229. */
async function freeBasePort(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const all = await Promise.all([0, 1, 2, 3].map((offset) => portIsFree(base + offset)));
    if (all.every(Boolean)) return base;
  }
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function invoke(url: string, name: string, payload: unknown): Promise<Response> {
  return fetch(`${url}/2015-03-31/functions/${name}/invocations`, {
    method: "POST",
    body: JSON.stringify(payload),
  });
}

describe("lambkin dev --inspect", () => {
  let dev: Dev | undefined;
  const clients: InspectorClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    dev?.child.kill("SIGTERM");
    await dev?.exited;
    dev = undefined;
  });

  it("listens before the first request; a paused handler outlives its timeout and completes when resumed; a second environment gets the next port", async () => {
    const base = await freeBasePort();
    dev = runDev(["--inspect=slow", "--inspect-port", String(base)]);
    const url = await ready(dev);
    // Sorted: inspect-dev-other (index 0), inspect-dev-slow (index 1).
    const port = base + 1;
    expect(dev.output()).toContain(`inspect inspect-dev-slow: node inspector on 127.0.0.1:${port}`);
    expect(dev.output()).toContain('"request": "attach"');
    expect(dev.output()).toContain(`"port": ${port}`);
    expect(dev.output()).toMatch(/timeouts of inspected functions are suspended/);
    expect(dev.output()).not.toMatch(/inspect-dev-other: node inspector/);

    // Before any request: the inspector is there, on the loopback address.
    const [target] = await inspectorTargets(port);
    expect(target?.webSocketDebuggerUrl).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${port}/`));
    expect(dev.output()).toContain(
      `devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=127.0.0.1:${port}/${target?.id}`,
    );
    // …and on no other address of this host.
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address && address.family === "IPv4" && !address.internal)
      .map((address) => address?.address ?? "");
    for (const address of external) expect(await accepts(address, port)).toBe(false);
    const client = await InspectorClient.connect(target?.webSocketDebuggerUrl ?? "");
    clients.push(client);
    await client.send("Debugger.enable");
    // The handler's own file was loaded at init (before any request), and the debugger can show its source.
    const parsed = await client.event(
      "Debugger.scriptParsed",
      (event) => event.params.url === `file://${HANDLER}`,
    );
    const source = await client.send("Debugger.getScriptSource", { scriptId: parsed.params.scriptId });
    expect(source.scriptSource).toContain("// BREAKPOINT");
    const line = readFileSync(HANDLER, "utf8")
      .split("\n")
      .findIndex((text) => text.includes("// BREAKPOINT"));
    await client.send("Debugger.setBreakpointByUrl", { url: `file://${HANDLER}`, lineNumber: line });

    const answer = invoke(url, "slow", { name: "paused" });
    const paused: CdpEvent = await client.event("Debugger.paused");
    // (CallFrame.url is deprecated and empty here: the frame names its script by id.)
    const frames = paused.params.callFrames as { location: { scriptId: string; lineNumber: number } }[];
    expect(paused.params.hitBreakpoints).toHaveLength(1);
    expect(frames[0]?.location.scriptId).toBe(parsed.params.scriptId);
    expect(frames[0]?.location.lineNumber).toBe(line);

    // Meanwhile a second invocation needs a second environment: it starts with the next port, printed.
    const second = invoke(url, "slow", { name: "second" });
    const next = await waitFor(
      dev,
      /inspect inspect-dev-slow: another environment, node inspector on 127\.0\.0\.1:(\d+)/,
    );
    expect(Number(next[1])).toBe(port + 1);
    const secondResponse = await second;
    expect(secondResponse.status).toBe(200);
    const [secondTarget] = await inspectorTargets(port + 1);
    expect(secondTarget?.webSocketDebuggerUrl).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${port + 1}/`));

    // Three times the function's 1 s timeout, paused.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await client.send("Debugger.resume");
    const response = await answer;
    expect(response.status).toBe(200);
    expect(response.headers.get("x-amz-function-error")).toBeNull();
    const body = (await response.json()) as { answered: string; remainingMs: number };
    expect(body.answered).toBe("paused");
    // The deadline the handler sees is AWS remote debugging's raised 900 s one.
    expect(body.remainingMs).toBeGreaterThan(800_000);
    expect(dev.output()).not.toMatch(/Task timed out/);

    // The function not inspected keeps its timeout.
    const other = await invoke(url, "other", {});
    expect(other.headers.get("x-amz-function-error")).toBe("Unhandled");
    expect(await other.text()).toContain("Task timed out after 1.00 seconds");
  }, 60_000);

  it("neither freezes nor reaps an inspected environment between invocations", async () => {
    const base = await freeBasePort();
    // Idle environments are reaped after 200 ms and frozen (SIGSTOP) 10 ms after each invocation, normally.
    dev = runDev(["--inspect", "slow", "--inspect-port", String(base)], { LAMBKIN_IDLE_TIMEOUT_MS: "200" });
    const url = await ready(dev);
    const port = base + 1;
    const [before] = await inspectorTargets(port);
    expect((await invoke(url, "slow", { name: "once" })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // A frozen process would not answer (SIGSTOP stops the inspector's thread too); a reaped one would be gone
    // or replaced (another target id).
    const [after] = await inspectorTargets(port);
    expect(after?.id).toBe(before?.id);
    const again = await invoke(url, "slow", { name: "again" });
    expect(((await again.json()) as { answered: string }).answered).toBe("again");
    expect(dev.output()).not.toMatch(/another environment/);
  });

  it("--inspect-brk: the runtime waits for the debugger, and init code stops at its breakpoint", async () => {
    const base = await freeBasePort();
    dev = runDev(["--inspect-brk=slow", "--inspect-port", String(base)]);
    const url = await ready(dev);
    const port = base + 1;
    const [target] = await inspectorTargets(port);
    const client = await InspectorClient.connect(target?.webSocketDebuggerUrl ?? "");
    clients.push(client);
    await client.send("Debugger.enable");
    const line = readFileSync(HANDLER, "utf8")
      .split("\n")
      .findIndex((text) => text.includes("// INIT BREAKPOINT"));
    // The handler's module is not loaded yet: init has not begun.
    expect(client.receivedEvents("Debugger.scriptParsed").map((event) => event.params.url)).not.toContain(
      `file://${HANDLER}`,
    );
    await client.send("Debugger.setBreakpointByUrl", { url: `file://${HANDLER}`, lineNumber: line });
    await client.send("Runtime.runIfWaitingForDebugger");
    await client.event("Debugger.paused", (event) => event.params.reason === "Break on start");
    await client.send("Debugger.resume");
    const atInit = await client.event(
      "Debugger.paused",
      (event) => ((event.params.hitBreakpoints as string[] | undefined) ?? []).length > 0,
    );
    const frames = atInit.params.callFrames as { location: { lineNumber: number } }[];
    expect(frames[0]?.location.lineNumber).toBe(line);
    const answer = invoke(url, "slow", { name: "after init" });
    await new Promise((resolve) => setTimeout(resolve, 2000)); // past the 1 s timeout, init paused
    await client.send("Debugger.resume");
    const response = await answer;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { answered: string }).answered).toBe("after init");
  });

  it("refuses an unknown function with a coded usage error", async () => {
    dev = runDev(["--inspect=nosuch"]);
    expect(await dev.exited).toBe(2);
    expect(dev.output()).toMatch(/\[LKN_ERR_CONFIG_INSPECT_FUNCTION\] --inspect=nosuch: no function/);
    expect(dev.output()).toContain("inspect-dev-slow");
  });

  it("refuses a bad base port with a coded usage error", async () => {
    dev = runDev(["--inspect", "--inspect-port", "80"]);
    expect(await dev.exited).toBe(2);
    expect(dev.output()).toMatch(/\[LKN_ERR_CONFIG_INSPECT_PORT\]/);
  });
});
