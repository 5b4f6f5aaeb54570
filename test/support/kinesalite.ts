/**
 * A real, throwaway Kinesis API for a test file: kinesalite (an implementation of the Kinesis API on LevelDB,
 * from node_modules) on a free loopback port, in memory (no `--path`), with streams that become ACTIVE at once
 * (`--createStreamMs 0`, `--updateStreamMs 0`: a SplitShard is done when its call returns). dispose() stops it.
 * `client()` is the real @aws-sdk/client-kinesis pointed at it, as Lambkin's poller is through
 * AWS_ENDPOINT_URL_KINESIS.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createCipheriv, createDecipheriv } from "node:crypto";
import { createServer, request } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  MergeShardsCommand,
  PutRecordCommand,
  type PutRecordCommandOutput,
  SplitShardCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { freePort } from "../../bench/redis-server.js";
import { eventually } from "./eventually.js";

export interface Kinesalite {
  readonly port: number;
  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL_KINESIS. */
  readonly endpoint: string;
  /** A new client on this server (fake credentials: kinesalite does not check signatures). */
  client(): KinesisClient;
  /** Creates a stream with `shardCount` shards and waits until it is ACTIVE; returns its ARN. */
  createStream(name: string, shardCount?: number): Promise<string>;
  /** PutRecord of a UTF-8 string (or bytes) under a partition key. */
  put(stream: string, partitionKey: string, data: string | Uint8Array): Promise<PutRecordCommandOutput>;
  /** SplitShard at the middle of the shard's hash key range (a 1-shard stream's: 2^127); waits until ACTIVE. */
  split(stream: string, shardId: string, newStartingHashKey?: string): Promise<void>;
  /** MergeShards of two adjacent shards; waits until ACTIVE. */
  merge(stream: string, shardId: string, adjacentShardId: string): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * The same shard iterator, handed out `ageMs` earlier (default: 5 minutes and a second, past Kinesis's limit),
 * so that kinesalite answers GetRecords with its real ExpiredIteratorException without a test waiting 5 minutes.
 * kinesalite's iterators are its own format, AES-encrypted with the key its source publishes
 * (kinesalite/db/index.js ITERATOR_PWD_KEY / _IV): `<14-digit ms>/<stream>/<shard>/<sequence>/<padding>`.
 */
export function agedIterator(iterator: string, ageMs = 301_000): string {
  const key = Buffer.from("1133a5a833666b49abf28c8ba302930f0b2fb240dccd43cf4dfbc0ca91f17751", "hex");
  const iv = Buffer.from("7bf139dbabbea2d9995d6fcae1dff7da", "hex");
  const bytes = Buffer.from(iterator, "base64");
  const decipher = createDecipheriv("aes-256-cbc", key, iv);
  const text = Buffer.concat([decipher.update(bytes.subarray(8)), decipher.final()]).toString("utf8");
  const [issuedAt = "", ...rest] = text.split("/");
  const aged = String(Number(issuedAt) - ageMs).padStart(14, "0");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const encrypted = Buffer.concat([cipher.update([aged, ...rest].join("/"), "utf8"), cipher.final()]);
  return Buffer.concat([bytes.subarray(0, 8), encrypted]).toString("base64");
}

/** kinesalite's own command line, resolved from node_modules (not a global install). */
const KINESALITE_CLI = join(
  dirname(createRequire(import.meta.url).resolve("kinesalite/package.json")),
  "cli.js",
);

export async function startKinesalite(): Promise<Kinesalite> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      return await startOnFreePort();
    } catch (error) {
      lastError = error; // the port was taken between choosing and binding it
    }
  }
  throw lastError;
}

async function startOnFreePort(): Promise<Kinesalite> {
  const port = await freePort();
  const args = [KINESALITE_CLI, "--port", String(port), "--createStreamMs", "0", "--updateStreamMs", "0"];
  args.push("--deleteStreamMs", "0", "--shardLimit", "100");
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`kinesalite did not start: ${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Listening at")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`kinesalite exited (${code}): ${output}`));
    });
    child.once("error", reject);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: KinesisClient[] = [];
  const client = () => {
    const created = new KinesisClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      // The Kinesis client speaks HTTP/2 by default (for SubscribeToShard); kinesalite serves HTTP/1.1 only.
      requestHandler: new NodeHttpHandler(),
    });
    clients.push(created);
    return created;
  };
  const own = client();
  const active = (name: string) =>
    eventually(async () => {
      const { StreamDescriptionSummary: summary } = await own.send(
        new DescribeStreamSummaryCommand({ StreamName: name }),
      );
      if (summary?.StreamStatus !== "ACTIVE" || !summary.StreamARN) throw new Error(`${name} not active`);
      return summary.StreamARN;
    });
  return {
    port,
    endpoint,
    client,
    async createStream(name, shardCount = 1) {
      await own.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
      return active(name);
    },
    put(stream, partitionKey, data) {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      return own.send(new PutRecordCommand({ StreamName: stream, PartitionKey: partitionKey, Data: bytes }));
    },
    async split(stream, shardId, newStartingHashKey = (2n ** 127n).toString()) {
      await own.send(
        new SplitShardCommand({
          StreamName: stream,
          ShardToSplit: shardId,
          NewStartingHashKey: newStartingHashKey,
        }),
      );
      await active(stream);
    },
    async merge(stream, shardId, adjacentShardId) {
      await own.send(
        new MergeShardsCommand({
          StreamName: stream,
          ShardToMerge: shardId,
          AdjacentShardToMerge: adjacentShardId,
        }),
      );
      await active(stream);
    },
    async dispose() {
      for (const each of clients) each.destroy();
      await stopChild(child);
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

export interface ThrottlingProxy {
  /** `http://127.0.0.1:<port>`: use it as the Kinesis endpoint instead of kinesalite's own. */
  readonly endpoint: string;
  /** The next `count` calls of `operation` (e.g. `GetRecords`) are refused as AWS refuses an over-limit shard. */
  throttle(operation: string, count: number): void;
  /** How many calls were refused so far. */
  readonly refused: number;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of kinesalite that answers chosen calls with Kinesis's throttling error, as AWS sends it
 * (HTTP 400, `{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded for shard …"}`):
 * kinesalite never throttles, and a shard's 5 reads a second cannot be provoked on purpose.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html#API_GetRecords_Errors
 */
export async function startThrottlingProxy(target: Kinesalite): Promise<ThrottlingProxy> {
  const pending = new Map<string, number>();
  let refused = 0;
  const server = createServer((incoming, outgoing) => {
    const operation = String(incoming.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
    const left = pending.get(operation) ?? 0;
    if (left > 0) {
      pending.set(operation, left - 1);
      refused += 1;
      incoming.resume();
      const body = JSON.stringify({
        __type: "ProvisionedThroughputExceededException",
        message: "Rate exceeded for shard shardId-000000000000 in stream under account 000000000000.",
      });
      outgoing.writeHead(400, {
        "content-type": "application/x-amz-json-1.1",
        "content-length": body.length,
      });
      outgoing.end(body);
      return;
    }
    const forwarded = request(
      {
        host: "127.0.0.1",
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on("error", () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    throttle(operation, count) {
      pending.set(operation, (pending.get(operation) ?? 0) + count);
    },
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
