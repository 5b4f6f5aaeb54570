// The Runtime API over the private channel of Lambkin's Node bootstrap (runtime-api-channel.ts) answers exactly
// as over HTTP: one script of requests — refusals, limits, invalid and repeated request ids, a whole invocation — is
// played against a fresh server over each transport (real sockets: TCP, and a Unix socket standing in for the
// sandbox's socketpair), and the answers and what the environment heard must be the same. Then the framing itself.
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  encodeFrame,
  type Frame,
  FrameReader,
  MAX_FRAME_HEAD_BYTES,
} from "../../runtime/bootstrap/node/channel-frames.js";
import { MAX_RUNTIME_PAYLOAD_BYTES } from "../../runtime/runtime-api/runtime-api-limits.js";
import { type RuntimeApiListener, RuntimeApiServer } from "../../runtime/runtime-api/runtime-api-server.js";

type Heard = [string, ...unknown[]];

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

interface Client {
  send(method: string, path: string, headers?: Record<string, string>, body?: Buffer): Promise<Answer>;
  close(): void;
}

function recordingListener(heard: Heard[]): RuntimeApiListener {
  return {
    nextRequested: () => heard.push(["next"]),
    response: (id, body, type) =>
      heard.push(["response", id, body.length, body.subarray(0, 20).toString(), type]),
    error: (id, type, body) => heard.push(["error", id, type, body.toString()]),
    initError: (type, body) => heard.push(["initError", type, body.toString()]),
    responseTooLarge: (id, size) => heard.push(["tooLarge", id, size]),
  };
}

/** The headers a runtime reads: the Runtime API's own, Allow, Content-Type. */
function meaningful(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) => name.startsWith("lambda-") || name === "allow" || name === "content-type",
    ),
  );
}

async function httpClient(server: RuntimeApiServer): Promise<Client> {
  const port = await server.listen("127.0.0.1");
  return {
    send: (method, path, headers = {}, body) =>
      new Promise((resolve, reject) => {
        const request = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString(),
              headers: meaningful(response.headers as Record<string, string>),
            }),
          );
        });
        request.on("error", reject);
        request.end(body);
      }),
    close: () => server.close(),
  };
}

const folder = mkdtempSync(join(tmpdir(), "lambkin-channel-test-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let socketCount = 0;

/** A connected pair of Unix sockets: Lambkin's end goes to the server, the other is the runtime's. */
async function socketPair(): Promise<[Socket, Socket]> {
  const path = join(folder, `pair-${socketCount++}.sock`);
  const listener: Server = createServer();
  await new Promise<void>((resolve) => listener.listen(path, resolve));
  const accepted = new Promise<Socket>((resolve) => listener.once("connection", resolve));
  const runtimeEnd = connect(path);
  const lambkinEnd = await accepted;
  listener.close();
  return [lambkinEnd, runtimeEnd];
}

async function channelClient(server: RuntimeApiServer): Promise<Client> {
  const [lambkinEnd, runtimeEnd] = await socketPair();
  server.attachChannel(lambkinEnd);
  const waiting = new Map<number, (answer: Answer) => void>();
  const reader = new FrameReader(
    (frame: Frame) => {
      const [status, ...lines] = frame.head.split("\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      waiting.get(frame.sequence)?.({
        status: Number(status),
        body: frame.body?.toString() ?? "",
        headers: meaningful(headers),
      });
    },
    () => {},
  );
  runtimeEnd.on("data", (chunk: Buffer) => reader.push(chunk));
  let sequence = 0;
  return {
    send: (method, path, headers = {}, body) => {
      sequence++;
      let head = `${method} ${path}\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\n`;
      const answer = new Promise<Answer>((resolve) => waiting.set(sequence, resolve));
      for (const part of encodeFrame(sequence, head, body)) if (part) runtimeEnd.write(part);
      return answer;
    },
    close: () => {
      runtimeEnd.destroy();
      server.close();
    },
  };
}

const ID = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
const delivery = (requestId: string) => ({
  requestId,
  payload: Buffer.from('{"hello":"world"}'),
  deadlineMs: 1542409706888,
  invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:fn",
  traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
  clientContext: '{"custom":{"a":"é"}}',
  cognitoIdentity: '{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}',
  tenantId: "tenant-ü",
});

/** The script: every answer and everything the environment heard. */
async function play(transport: (server: RuntimeApiServer) => Promise<Client>) {
  const heard: Heard[] = [];
  const server = new RuntimeApiServer(recordingListener(heard));
  const client = await transport(server);
  const answers: Answer[] = [];
  const send = async (...args: Parameters<Client["send"]>) => {
    answers.push(await client.send(...args));
  };
  const api = "/2018-06-01/runtime";
  try {
    await send("GET", `${api}/nope`);
    await send("POST", `${api}/invocation/next`, {}, Buffer.from("x"));
    await send("GET", `${api}/init/error`);
    await send("POST", `${api}/invocation/%E0%A4%A/response`, {}, Buffer.from("{}"));
    await send("POST", `${api}/invocation/not-current/response`, {}, Buffer.from("{}"));
    await send(
      "POST",
      `${api}/init/error`,
      { "Lambda-Runtime-Function-Error-Type": "Runtime.Boom" },
      Buffer.from("{}"),
    );
    // An invocation: /next (a query changes nothing) waits for it.
    const next = client.send("GET", `${api}/invocation/next?x=1`);
    while (heard.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    server.deliver(delivery(ID));
    answers.push(await next);
    await send(
      "POST",
      `${api}/invocation/${ID}/response`,
      { "Lambda-Runtime-Function-Response-Mode": "buffered" },
      Buffer.from("1"),
    );
    await send(
      "POST",
      `${api}/invocation/${ID}/response`,
      {},
      Buffer.alloc(MAX_RUNTIME_PAYLOAD_BYTES + 1, 97),
    );
    await send("POST", `${api}/invocation/${ID}/error`, {}, Buffer.from("{}"));
    await send("POST", `${api}/init/error`, {}, Buffer.from("{}"));
    // A second invocation, answered with exactly the limit, then answered again.
    const second = client.send("GET", `${api}/invocation/next`);
    while (heard.length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    server.deliver(delivery("second-id"));
    answers.push(await second);
    await send(
      "POST",
      `${api}/invocation/second-id/response`,
      { "Content-Type": "text/plain" },
      Buffer.alloc(MAX_RUNTIME_PAYLOAD_BYTES, 98),
    );
    await send(
      "POST",
      `${api}/invocation/second-id/error`,
      { "Lambda-Runtime-Function-Error-Type": "Function.Late" },
      Buffer.from("{}"),
    );
  } finally {
    client.close();
  }
  return { answers, heard };
}

describe("the Runtime API over its channel", () => {
  it("answers the same script exactly as over HTTP, and the environment hears the same", async () => {
    const overHttp = await play(httpClient);
    const overChannel = await play(channelClient);
    expect(overHttp.answers.map((answer) => answer.status)).toEqual([
      404, 405, 405, 400, 400, 202, 200, 400, 413, 400, 403, 200, 202, 400,
    ]);
    expect(overChannel).toEqual(overHttp);
  });

  it("closes the channel after one error-shaped answer to a frame it cannot read", async () => {
    for (const [head, status, errorType] of [
      ["BREW /2018-06-01/runtime/invocation/next\n", 400, "InvalidRequest"],
      ["GET /2018-06-01/runtime/invocation/next\nX-Bad\n", 400, "InvalidRequest"],
      ["GET /2018-06-01/runtime/invocation/next\nX-Bad: a\x01b\n", 400, "InvalidRequest"],
      ["GET /2018-06-01/runtime/invocation/next\x00\n", 400, "InvalidRequest"],
    ] as const) {
      const server = new RuntimeApiServer(recordingListener([]));
      const [lambkinEnd, runtimeEnd] = await socketPair();
      server.attachChannel(lambkinEnd);
      const frames: Frame[] = [];
      const reader = new FrameReader(
        (frame) => frames.push(frame),
        () => {},
      );
      runtimeEnd.on("data", (chunk: Buffer) => reader.push(chunk));
      const closed = new Promise((resolve) => runtimeEnd.once("close", resolve));
      for (const part of encodeFrame(7, head, undefined)) if (part) runtimeEnd.write(part);
      await closed;
      expect(frames).toHaveLength(1);
      expect(frames[0]?.sequence).toBe(7);
      expect(frames[0]?.head.split("\n")[0]).toBe(String(status));
      expect(JSON.parse(frames[0]?.body?.toString() ?? "")).toMatchObject({ errorType });
      server.close();
    }
  });
});

describe("channel frames", () => {
  const frames = (...parts: Buffer[]) => {
    const read: Frame[] = [];
    const faults: string[] = [];
    const reader = new FrameReader(
      (frame) => read.push(frame),
      (fault) => faults.push(fault),
      10,
    );
    for (const part of parts) reader.push(part);
    return { read, faults, reader };
  };
  const bytes = (sequence: number, head: string, body?: Buffer) =>
    Buffer.concat(encodeFrame(sequence, head, body).filter((part): part is Buffer => part !== undefined));

  it("reassembles frames whatever the chunks, one byte at a time or several in one", () => {
    const stream = Buffer.concat([
      bytes(1, "GET /a\n"),
      bytes(2, "POST /b\nX: y\n", Buffer.from("0123456789")),
      bytes(3, "", undefined),
    ]);
    const whole = frames(stream).read;
    const byteByByte = frames(...[...stream].map((byte) => Buffer.from([byte]))).read;
    expect(whole.map((f) => [f.sequence, f.head, f.body?.toString(), f.bodyBytes])).toEqual([
      [1, "GET /a\n", "", 0],
      [2, "POST /b\nX: y\n", "0123456789", 10],
      [3, "", "", 0],
    ]);
    expect(byteByByte).toEqual(whole);
  });

  it("counts a body over its limit without keeping it, and refuses a head over 64 KiB from its prefix", () => {
    const over = frames(bytes(1, "POST /c\n", Buffer.alloc(11)), bytes(2, "GET /d\n"));
    expect(over.read.map((f) => [f.sequence, f.body, f.bodyBytes])).toEqual([
      [1, undefined, 11],
      [2, Buffer.alloc(0), 0],
    ]);
    const prefix = Buffer.alloc(12);
    prefix.writeUInt32BE(MAX_FRAME_HEAD_BYTES + 1, 4);
    const huge = frames(prefix);
    expect(huge.faults).toEqual(["head-too-large"]);
    expect(huge.read).toEqual([]);
    // A 4 GiB claim is only a number: what arrives is counted, nothing is kept.
    const claim = Buffer.alloc(12);
    claim.writeUInt32BE(2 ** 32 - 1, 8);
    const claimed = frames(claim, Buffer.alloc(1 << 20));
    expect(claimed.read).toEqual([]);
    expect(claimed.reader.midHead).toBe(false);
  });

  it("knows when a head is half read", () => {
    const half = frames(bytes(1, "GET /e\n").subarray(0, 5));
    expect(half.reader.midHead).toBe(true);
    const headOnly = frames(bytes(1, "GET /e\n").subarray(0, 12));
    expect(headOnly.reader.midHead).toBe(true);
  });
});

// Lambkin's bootstrap sends an invocation's answer and its next /next in one write (rapid-client.ts); Lambkin then
// answers the 202 and the next event in one write too (runtime-api-channel.ts), holding the 202 while no event
// waits. Each environment end sees the answers in the order of its requests, whatever the timing.
describe("an answer and a /next in one write", () => {
  const api = "/2018-06-01/runtime";
  const request = (sequence: number, head: string, body?: Buffer) =>
    Buffer.concat(encodeFrame(sequence, head, body).filter((part): part is Buffer => part !== undefined));

  /** A server, the runtime's end of its channel, the frames read there and the data chunks that carried them. */
  async function pipelining() {
    const heard: Heard[] = [];
    const server = new RuntimeApiServer(recordingListener(heard));
    const [lambkinEnd, runtimeEnd] = await socketPair();
    server.attachChannel(lambkinEnd);
    const chunks: Frame[][] = [];
    let current: Frame[] = [];
    const reader = new FrameReader(
      (frame) => current.push(frame),
      () => {},
    );
    runtimeEnd.on("data", (chunk: Buffer) => {
      current = [];
      reader.push(chunk);
      chunks.push(current);
    });
    const frameCount = () => chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const until = async (condition: () => boolean) => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const statuses = () => chunks.map((chunk) => chunk.map((frame) => Number(frame.head.split("\n")[0])));
    // The first invocation, as the bootstrap starts: a /next alone, then the event.
    runtimeEnd.write(request(1, `GET ${api}/invocation/next\n`));
    await until(() => heard.length === 1);
    server.deliver(delivery("first"));
    await until(() => frameCount() === 1);
    return { heard, server, runtimeEnd, chunks, frameCount, until, statuses };
  }

  const answerAndNext = (id: string, sequence: number) =>
    Buffer.concat([
      request(sequence, `POST ${api}/invocation/${id}/response\n`, Buffer.from('"done"')),
      request(sequence + 1, `GET ${api}/invocation/next\n`),
    ]);

  it("no event waiting: the 202 is held, then leaves with the next event, in one write, in order", async () => {
    const { heard, server, runtimeEnd, chunks, until, statuses } = await pipelining();
    runtimeEnd.write(answerAndNext("first", 2));
    await until(() => heard.length === 3);
    expect(heard.slice(1)).toEqual([["response", "first", 6, '"done"', undefined], ["next"]]);
    expect(chunks).toHaveLength(1); // nothing but the first event so far: the 202 waits
    server.deliver(delivery("second"));
    await until(() => chunks.length === 2);
    expect(statuses()).toEqual([[200], [202, 200]]);
    expect(chunks[1]?.map((frame) => frame.sequence)).toEqual([2, 3]);
    expect(chunks[1]?.[1]?.head).toContain("Lambda-Runtime-Aws-Request-Id: second");
    server.close();
    runtimeEnd.destroy();
  });

  it("an event waiting already: the 202 and the event leave in one write", async () => {
    const { heard, server, runtimeEnd, chunks, until, statuses } = await pipelining();
    server.deliver(delivery("second")); // while the runtime is busy with the first: it waits for a /next
    runtimeEnd.write(answerAndNext("first", 2));
    await until(() => chunks.length === 2);
    expect(statuses()).toEqual([[200], [202, 200]]);
    expect(heard.slice(1)).toEqual([["response", "first", 6, '"done"', undefined]]);
    server.close();
    runtimeEnd.destroy();
  });

  it("an answer alone (a runtime that waits for its 202, or exits before its /next): the 202 leaves at once", async () => {
    const { heard, server, runtimeEnd, until, statuses } = await pipelining();
    runtimeEnd.write(request(2, `POST ${api}/invocation/first/response\n`, Buffer.from('"done"')));
    await until(() => statuses().length === 2);
    expect(statuses()).toEqual([[200], [202]]);
    expect(heard.slice(1)).toEqual([["response", "first", 6, '"done"', undefined]]);
    server.close();
    runtimeEnd.destroy();
  });

  it("the environment goes away while a 202 is held: it is written before the /next is cut", async () => {
    const { heard, server, runtimeEnd, until, statuses } = await pipelining();
    runtimeEnd.write(answerAndNext("first", 2));
    await until(() => heard.length === 3);
    server.close();
    await until(() => statuses().length === 2);
    expect(statuses()).toEqual([[200], [202]]);
    runtimeEnd.destroy();
  });

  it("a later /next takes the held one's place: the 202, then the 403, in order", async () => {
    const { heard, server, runtimeEnd, until, statuses } = await pipelining();
    runtimeEnd.write(answerAndNext("first", 2));
    await until(() => heard.length === 3);
    runtimeEnd.write(request(4, `GET ${api}/invocation/next\n`));
    await until(() => statuses().flat().length === 3);
    expect(statuses().flat()).toEqual([200, 202, 403]);
    server.close();
    runtimeEnd.destroy();
  });

  it("the runtime goes away after its answer and its /next: the answer counts, nothing is written after", async () => {
    const { heard, server, runtimeEnd, until } = await pipelining();
    runtimeEnd.write(answerAndNext("first", 2));
    await until(() => heard.length === 3);
    runtimeEnd.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    // Delivering to a channel that is gone neither throws nor hangs; the event simply waits (as it does on HTTP).
    server.deliver(delivery("second"));
    expect(heard.slice(1)).toEqual([["response", "first", 6, '"done"', undefined], ["next"]]);
    server.close();
  });
});

describe("a /next sent along with an answer (Lambkin-Next-If-Accepted)", () => {
  const api = "/2018-06-01/runtime";
  const request = (sequence: number, head: string, body?: Buffer) =>
    Buffer.concat(encodeFrame(sequence, head, body).filter((part): part is Buffer => part !== undefined));

  it("is served after a 202, and dropped unanswered after a refusal, so the runtime's own /next comes later", async () => {
    const heard: Heard[] = [];
    const server = new RuntimeApiServer(recordingListener(heard));
    const [lambkinEnd, runtimeEnd] = await socketPair();
    server.attachChannel(lambkinEnd);
    const answers: [number, number][] = [];
    const reader = new FrameReader(
      (frame) => answers.push([frame.sequence, Number(frame.head.split("\n")[0])]),
      () => {},
    );
    runtimeEnd.on("data", (chunk: Buffer) => reader.push(chunk));
    const until = async (condition: () => boolean) => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    runtimeEnd.write(request(1, `GET ${api}/invocation/next\n`));
    await until(() => heard.length === 1);
    server.deliver(delivery("first"));
    await until(() => answers.length === 1);
    // Refused (not the current request id): the /next behind it is dropped, nothing more is heard or answered.
    runtimeEnd.write(
      Buffer.concat([
        request(2, `POST ${api}/invocation/other/response\n`, Buffer.from("{}")),
        request(3, `GET ${api}/invocation/next\nLambkin-Next-If-Accepted: 2\n`),
      ]),
    );
    await until(() => answers.length === 2);
    expect(answers[1]).toEqual([2, 400]);
    // Accepted: the /next behind it is served (the 202 waits for the event, in one write).
    runtimeEnd.write(
      Buffer.concat([
        request(4, `POST ${api}/invocation/first/response\n`, Buffer.from("{}")),
        request(5, `GET ${api}/invocation/next\nLambkin-Next-If-Accepted: 4\n`),
      ]),
    );
    await until(() => heard.length === 3);
    expect(heard.slice(1)).toEqual([["response", "first", 2, "{}", undefined], ["next"]]);
    server.deliver(delivery("second"));
    await until(() => answers.length === 4);
    expect(answers.slice(2)).toEqual([
      [4, 202],
      [5, 200],
    ]);
    server.close();
    runtimeEnd.destroy();
  });
});
