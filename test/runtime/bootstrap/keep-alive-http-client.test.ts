/**
 * The Node bootstrap's Runtime API client (runtime/bootstrap/node/keep-alive-http-client.ts) against a raw TCP
 * server that answers byte for byte what each test writes: the framings a server may use, a connection the
 * server closes while it is idle, an answer sent before the request body was read, and the request bytes
 * compared with what node:http sends for the same request.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { Agent, request } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type HttpAnswer,
  type HttpFailure,
  KeepAliveHttpClient,
} from "../../../runtime/bootstrap/node/keep-alive-http-client.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.close();
  }
});

/** A server that gives each request's raw bytes to `answer`, which writes whatever it likes on the socket. */
async function rawServer(answer: (socket: Socket, request: string, index: number) => void): Promise<number> {
  let index = 0;
  const server = createServer((socket) => {
    let pending = "";
    socket.on("data", (data) => {
      pending += data.toString("latin1");
      for (;;) {
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        const whole = pending.slice(0, end + 4 + length);
        pending = pending.slice(end + 4 + length);
        answer(socket, whole, index++);
      }
    });
    socket.on("error", () => {});
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

function exchange(
  client: KeepAliveHttpClient,
  method: string,
  path: string,
  headers: [string, string][] = [],
  body?: Buffer,
): Promise<HttpAnswer | HttpFailure> {
  return new Promise((resolve) => client.send({ method, path, headers, body, done: resolve }));
}

function answered(outcome: HttpAnswer | HttpFailure): HttpAnswer {
  if (!("status" in outcome)) throw outcome.error;
  return outcome;
}

describe("the bootstrap's keep-alive HTTP client", () => {
  it("sends the same bytes as node:http for a GET and a POST with headers", async () => {
    const seen: string[] = [];
    const port = await rawServer((socket, raw) => {
      seen.push(raw.replace(/Host: 127\.0\.0\.1:\d+/, "Host: H"));
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    const headers: [string, string][] = [
      ["Content-Type", "application/json"],
      ["Lambda-Runtime-Function-Error-Type", "Error"],
      ["Content-Length", "2"],
    ];
    const lean = new KeepAliveHttpClient("127.0.0.1", port);
    answered(await exchange(lean, "GET", "/2018-06-01/runtime/invocation/next"));
    answered(
      await exchange(lean, "POST", "/2018-06-01/runtime/invocation/a/error", headers, Buffer.from("{}")),
    );
    const agent = new Agent({ keepAlive: true });
    for (const [method, body] of [
      ["GET", undefined],
      ["POST", Buffer.from("{}")],
    ] as const) {
      await new Promise<void>((resolve) => {
        const path =
          method === "GET" ? "/2018-06-01/runtime/invocation/next" : "/2018-06-01/runtime/invocation/a/error";
        const req = request({ hostname: "127.0.0.1", port, path, method, agent });
        if (body) for (const [name, value] of headers) req.setHeader(name, value);
        req.on("response", (res) => res.resume().on("end", resolve));
        req.end(body);
      });
    }
    agent.destroy();
    expect(seen).toHaveLength(4);
    expect(seen[0]).toBe(seen[2]);
    expect(seen[1]).toBe(seen[3]);
  });

  it("reads Content-Length, chunked and read-until-close answers, skipping a 100 Continue", async () => {
    const port = await rawServer((socket, _raw, index) => {
      if (index === 0)
        socket.write(
          "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r1\r\nContent-Length: 5\r\n\r\nhel",
        );
      if (index === 0) setTimeout(() => socket.write("lo"), 20);
      if (index === 1)
        socket.write(
          "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: t\r\n\r\n",
        );
      if (index === 2) socket.end("HTTP/1.1 200 OK\r\n\r\nuntil the end");
    });
    const client = new KeepAliveHttpClient("127.0.0.1", port);
    const first = answered(await exchange(client, "GET", "/a"));
    expect([first.status, first.body.toString(), first.headers["lambda-runtime-aws-request-id"]]).toEqual([
      200,
      "hello",
      "r1",
    ]);
    const second = answered(
      await exchange(client, "POST", "/b", [["Content-Length", "1"]], Buffer.from("x")),
    );
    expect([second.status, second.body.toString(), second.complete]).toEqual([202, "abcde", true]);
    const third = answered(await exchange(client, "GET", "/c"));
    expect([third.status, third.body.toString(), third.complete]).toEqual([200, "until the end", true]);
  });

  it("joins repeated headers and reads header bytes as latin1, as IncomingMessage does", async () => {
    const port = await rawServer((socket) => {
      socket.write(
        Buffer.concat([
          Buffer.from("HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a:  2 \r\nX-Utf8: "),
          Buffer.from("é", "utf8"),
          Buffer.from("\r\nContent-Length: 0\r\n\r\n"),
        ]),
      );
    });
    const answer = answered(await exchange(new KeepAliveHttpClient("127.0.0.1", port), "GET", "/"));
    expect(answer.headers["x-a"]).toBe("1, 2");
    expect(Buffer.from(answer.headers["x-utf8"] ?? "", "latin1").toString("utf8")).toBe("é");
  });

  it("reports a request on a kept-alive socket the server closed while idle as reused, and opens a new one", async () => {
    const port = await rawServer((socket, _raw, index) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
      // The server forgets the connection after its first answer, as an idle timeout would.
      if (index === 0) setTimeout(() => socket.destroy(), 10);
    });
    const client = new KeepAliveHttpClient("127.0.0.1", port);
    answered(await exchange(client, "GET", "/first"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The close was seen while idle: the next request goes out on a fresh connection and succeeds.
    const second = answered(await exchange(client, "GET", "/second"));
    expect(second.body.toString()).toBe("1");
  });

  it("fails a request whose connection ends before any answer, saying whether the socket was reused", async () => {
    const port = await rawServer((socket, _raw, index) => {
      if (index === 0) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
      else socket.destroy();
    });
    const client = new KeepAliveHttpClient("127.0.0.1", port);
    answered(await exchange(client, "GET", "/first"));
    const outcome = await exchange(client, "GET", "/second");
    expect("error" in outcome && outcome.reused).toBe(true);
  });

  it("hands over an answer sent before the request body was read, as a server refusing a large POST does", async () => {
    const server = createServer((socket) => {
      socket.once("data", () => {
        socket.end(
          'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{"e":"big"}',
        );
      });
      socket.on("error", () => {});
    });
    servers.push(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("no port");
    const body = Buffer.alloc(8 * 1024 * 1024, 0x61);
    const client = new KeepAliveHttpClient("127.0.0.1", address.port);
    const answer = answered(
      await exchange(client, "POST", "/big", [["Content-Length", String(body.length)]], body),
    );
    expect([answer.status, answer.body.toString()]).toEqual([413, '{"e":"big"}']);
  });

  it("does not keep a process alive with an idle connection (so 'beforeExit' still fires)", async () => {
    const port = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    const module = join(
      import.meta.dirname,
      "..",
      "..",
      "..",
      "dist",
      "runtime",
      "bootstrap",
      "node",
      "keep-alive-http-client.js",
    );
    const script = `
      const { KeepAliveHttpClient } = require(${JSON.stringify(module)});
      const client = new KeepAliveHttpClient("127.0.0.1", ${port});
      client.send({ method: "GET", path: "/", headers: [], done: (a) => console.log("answer", a.status) });
      process.on("beforeExit", () => { console.log("beforeExit"); process.exit(0); });`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString();
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(output).toBe("answer 200\nbeforeExit\n");
  });
});
