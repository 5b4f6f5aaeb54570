/**
 * Lambkin's DynamoDB Local (services/dynamodb/dynamodb-local.ts), the real one with the machine's Java 17: it
 * answers on a free port, listens on the address asked for only, keeps its data across a restart in the same
 * folder, fails at once with DynamoDB Local's own output when it cannot start, refuses without a usable Java
 * (LKN_ERR_DYNAMODB_JAVA_MISSING), and its JVM goes when close() is called — and when Lambkin is SIGKILLed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { codeOf } from "../../../runtime/errors/lambkin-codes.js";
import { startDynamoDbLocal } from "../../../services/dynamodb/dynamodb-local.js";
import { eventually } from "../../support/eventually.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const silent = pino({ level: "silent" });
const folders: string[] = [];

function dataFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "lambkin-dynamodb-test-"));
  folders.push(folder);
  return folder;
}

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function clientFor(endpoint: string, region = "eu-west-1", accessKeyId = "someone"): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId, secretAccessKey: "secret" },
    maxAttempts: 1,
  });
}

/** The pids of the JVMs whose command line names `dataDir` (each test has its own folder). */
function javaPidsUsing(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // gone meanwhile
    }
    if (argv[0]?.endsWith("java") && argv.includes(dataDir)) pids.push(Number(entry));
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "); // a zombie is gone for our purpose
  } catch {
    return false;
  }
}

/** The local addresses listening on `port`, from the kernel's TCP tables (IPv4-mapped IPv6 shown as IPv4). */
function listeningAddresses(port: number): string[] {
  const addresses: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const [local, , state] = line.trim().split(/\s+/).slice(1, 4);
      if (!local || state !== "0A") continue; // 0A: LISTEN
      const [hex, portHex] = local.split(":") as [string, string];
      if (Number.parseInt(portHex, 16) !== port) continue;
      const v4 =
        hex.length === 8 ? hex : hex.startsWith("0000000000000000FFFF0000") ? hex.slice(24) : undefined;
      if (v4) {
        // /proc prints the address as a little-endian 32-bit word.
        addresses.push(
          (v4.match(/../g) ?? [])
            .reverse()
            .map((byte) => Number.parseInt(byte, 16))
            .join("."),
        );
      } else addresses.push(/^0+$/.test(hex) ? "::" : hex);
    }
  }
  return addresses;
}

describe("DynamoDB Local", () => {
  it("starts on a free port, answers the SDK, listens on the address asked for only, and stops on close()", async () => {
    const dataDir = dataFolder();
    const local = await startDynamoDbLocal({ dataDir, host: "127.0.0.1", port: 0, logger: silent });
    const client = clientFor(local.endpoint);
    try {
      expect(local.endpoint).toBe(`http://127.0.0.1:${local.port}`);
      expect(local.port).toBeGreaterThan(0);
      expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      expect(listeningAddresses(local.port)).toEqual(["127.0.0.1"]);
      expect(javaPidsUsing(dataDir)).toHaveLength(1);
    } finally {
      client.destroy();
      await local.close();
    }
    expect(javaPidsUsing(dataDir).filter(alive)).toEqual([]);
    await expect(clientFor(local.endpoint).send(new ListTablesCommand({}))).rejects.toThrow();
    await local.close(); // twice is harmless
  }, 120_000);

  it("keeps tables and items across a restart in the same folder, one database for every region and access key", async () => {
    const dataDir = dataFolder();
    const first = await startDynamoDbLocal({ dataDir, host: "127.0.0.1", port: 0, logger: silent });
    const writer = clientFor(first.endpoint, "us-east-1", "writer");
    try {
      await writer.send(
        new CreateTableCommand({
          TableName: "kept",
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      await writer.send(new PutItemCommand({ TableName: "kept", Item: { id: { S: "a" }, n: { N: "7" } } }));
    } finally {
      writer.destroy();
      await first.close();
    }
    const second = await startDynamoDbLocal({ dataDir, host: "127.0.0.1", port: 0, logger: silent });
    const reader = clientFor(second.endpoint, "ap-southeast-2", "reader");
    try {
      const { Item } = await reader.send(new GetItemCommand({ TableName: "kept", Key: { id: { S: "a" } } }));
      expect(Item).toEqual({ id: { S: "a" }, n: { N: "7" } });
    } finally {
      reader.destroy();
      await second.close();
    }
  }, 120_000);

  it("listens on every interface when asked to (0.0.0.0), its endpoint on loopback", async () => {
    const local = await startDynamoDbLocal({
      dataDir: dataFolder(),
      host: "0.0.0.0",
      port: 0,
      logger: silent,
    });
    const client = clientFor(local.endpoint);
    try {
      expect(local.endpoint).toBe(`http://127.0.0.1:${local.port}`);
      await client.send(new ListTablesCommand({}));
      const addresses = listeningAddresses(local.port);
      expect(addresses.some((address) => address === "::" || address === "0.0.0.0")).toBe(true);
    } finally {
      client.destroy();
      await local.close();
    }
  }, 120_000);

  // The test's timeout is shorter than the 60 s start bound: waiting it out would fail the test.
  it("fails at once, with DynamoDB Local's own output, when it cannot start (its port is taken)", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    const dataDir = dataFolder();
    try {
      const error = await startDynamoDbLocal({ dataDir, host: "127.0.0.1", port, logger: silent }).then(
        () => undefined,
        (failure: unknown) => failure as Error,
      );
      expect(codeOf(error)).toBe("LKN_ERR_DYNAMODB_LOCAL_FAILED");
      expect(error?.message).toMatch(
        /^\[LKN_ERR_DYNAMODB_LOCAL_FAILED\] DynamoDB Local exited while starting/,
      );
      expect(error?.message).toContain("Address already in use");
      expect(javaPidsUsing(dataDir).filter(alive)).toEqual([]);
    } finally {
      taken.close();
    }
  }, 40_000);

  it("fails at once, with its output, when it listens but cannot use its data (a file that is not its database)", async () => {
    const dataDir = dataFolder();
    writeFileSync(join(dataDir, "shared-local-instance.db"), randomBytes(64 * 1024));
    const error = await startDynamoDbLocal({ dataDir, host: "127.0.0.1", port: 0, logger: silent }).then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    expect(codeOf(error)).toBe("LKN_ERR_DYNAMODB_LOCAL_FAILED");
    expect(error?.message).toContain("answers ListTables with InternalFailure (HTTP 500)");
    expect(error?.message).toContain("not a database");
    expect(javaPidsUsing(dataDir).filter(alive)).toEqual([]);
  }, 40_000);

  it("refuses a port given that another program listens on, when it cannot be bound to one address", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const error = await startDynamoDbLocal({
        dataDir: dataFolder(),
        host: "0.0.0.0",
        port,
        logger: silent,
      }).then(
        () => undefined,
        (failure: unknown) => failure as Error,
      );
      expect(codeOf(error)).toBe("LKN_ERR_DYNAMODB_LOCAL_FAILED");
      expect(error?.message).toContain(`cannot listen on 0.0.0.0 port ${port}: EADDRINUSE`);
    } finally {
      taken.close();
    }
  });

  it("refuses with LKN_ERR_DYNAMODB_JAVA_MISSING when the configured java does not exist", async () => {
    const javaPath = join(dataFolder(), "no-such-jdk", "bin", "java");
    const error = await startDynamoDbLocal({
      dataDir: dataFolder(),
      host: "127.0.0.1",
      port: 0,
      logger: silent,
      javaPath,
    }).then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    expect(codeOf(error)).toBe("LKN_ERR_DYNAMODB_JAVA_MISSING");
    expect(error?.message).toContain("Java 17");
    expect(error?.message).toContain(javaPath);
    expect(error?.message).toContain("apt-get install openjdk-17-jre-headless");
    expect(error?.message).toContain("brew install");
    expect(error?.message).toContain("AWS_ENDPOINT_URL_DYNAMODB");
  });

  // No Java older than 17 is installed here, so a stand-in prints what Java 8's `java -version` prints.
  it("refuses a Java older than 17 with the same code", async () => {
    const javaPath = join(dataFolder(), "java");
    writeFileSync(
      javaPath,
      `#!/bin/sh\necho 'java version "1.8.0_401"' >&2\necho 'Java(TM) SE Runtime Environment (build 1.8.0_401-b10)' >&2\n`,
    );
    chmodSync(javaPath, 0o755);
    const error = await startDynamoDbLocal({
      dataDir: dataFolder(),
      host: "127.0.0.1",
      port: 0,
      logger: silent,
      javaPath,
    }).then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    expect(codeOf(error)).toBe("LKN_ERR_DYNAMODB_JAVA_MISSING");
    expect(error?.message).toContain("is Java 8");
  });

  it("goes when the process that started it is SIGKILLed", async () => {
    const dataDir = dataFolder();
    const script = join(ROOT, "test", "fixtures", "dynamodb-local", "start-and-wait.mjs");
    const parent: ChildProcess = spawn(process.execPath, [script, dataDir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const reader = createInterface({ input: parent.stdout as NodeJS.ReadableStream });
        reader.once("line", resolve);
        parent.once("exit", (code) =>
          reject(new Error(`the starter exited (${code}) before DynamoDB Local answered (npm run build?)`)),
        );
      });
      const { endpoint } = JSON.parse(line) as { endpoint: string };
      const client = clientFor(endpoint);
      await client.send(new ListTablesCommand({}));
      client.destroy();
      const [java] = javaPidsUsing(dataDir);
      expect(java).toBeDefined();
      parent.kill("SIGKILL");
      await eventually(async () => {
        if (alive(java as number)) throw new Error(`java ${java} still runs`);
      }, 60_000);
      await expect(clientFor(endpoint).send(new ListTablesCommand({}))).rejects.toThrow();
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill("SIGKILL");
    }
  }, 120_000);
});
