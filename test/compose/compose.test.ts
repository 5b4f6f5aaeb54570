// `docker compose up` of the local cloud (issue 10): the repository's docker-compose.yml, run by docker-compose
// with the images CI builds from this host (no registry: scripts/compose-images/), two workers. Requests go
// through the gateway's published port and must run on the workers, in function containers on the compose
// network whose code the engine mounts from this host. Everything the project made is removed afterwards,
// whatever happened. Slow: the first run builds the Lambkin image (npm ci inside it), minutes.

import { join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { createTransport } from "nodemailer";
import { PDFParse } from "pdf-parse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDocker } from "../../runtime/sandbox/docker/docker-engine.js";
import { ensureRuntimeImages } from "../../runtime/sandbox/docker/images/ensure-images.js";
import { buildComposeImages } from "../../scripts/compose-images/build-all.js";
import { eventually } from "../support/eventually.js";
import { PACKAGE_ROOT } from "../support/run-lambkin.js";
import { ComposeProject, removeOlderBuildStages, TEST_LAMBKIN_IMAGE } from "./compose-project.js";

const docker = connectDocker();
const WORKERS = 2;
const MINUTE = 60_000;
const CREDENTIALS = { accessKeyId: "AKIDCOMPOSETEST", secretAccessKey: "compose-test-secret" };
const log = (line: string) => {
  if (process.env.LAMBKIN_TEST_VERBOSE) process.stderr.write(`${line}\n`);
};

let project: ComposeProject;
let gateway: string;

/** `START RequestId: …` lines of one function in a log (Lambkin prefixes each line with the function's name). */
function starts(logs: string, functionName: string): string[] {
  return logs
    .split("\n")
    .filter((line) => line.includes(`${functionName} `) && /START RequestId: [0-9a-f-]{36}/.test(line))
    .map((line) => /START RequestId: ([0-9a-f-]{36})/.exec(line)?.[1] ?? "");
}

async function workerLogs(): Promise<Map<string, string>> {
  const logs = new Map<string, string>();
  for (const container of await project.containers("worker"))
    logs.set(container.Id, await project.logsOf(container.Id));
  return logs;
}

async function getHello(): Promise<void> {
  const response = await fetch(`${gateway}/hello`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ message: "Hello Lambda" });
}

beforeAll(async () => {
  const started = Date.now();
  // The workers run functions in lambkin/runtime:* on this engine; built offline from this host when missing
  // (the compose file's runtime-images service then finds them current).
  await ensureRuntimeImages(docker, { offline: true, log });
  await buildComposeImages(log);
  project = await ComposeProject.create(docker);
  gateway = `http://127.0.0.1:${project.ports.gateway}`;
  const before = await docker
    .getImage(TEST_LAMBKIN_IMAGE)
    .inspect()
    .catch(() => undefined);
  await project.runOrThrow(["build", "--force-rm", "gateway"], 20 * MINUTE);
  // A rebuild leaves the image the tag named before unnamed, and docker/Dockerfile's build stage cache.
  const after = await docker.getImage(TEST_LAMBKIN_IMAGE).inspect();
  if (before && before.Id !== after.Id)
    await docker
      .getImage(before.Id)
      .remove()
      .catch(() => undefined);
  await removeOlderBuildStages(docker);
  log(`compose test: images ready after ${Math.round((Date.now() - started) / 1000)} s`);
  // `up` returns once every service it starts waited for its dependencies: healthy, or exited 0.
  await project.runOrThrow(["up", "-d", "--no-build", "--scale", `worker=${WORKERS}`], 10 * MINUTE);
  log(`compose test: up after ${Math.round((Date.now() - started) / 1000)} s`);
}, 30 * MINUTE);

afterAll(async () => {
  if (!project) return;
  const output = await project.destroy();
  log(output);
  expect(await project.remains()).toEqual({ containers: 0, networks: 0, volumes: 0 });
}, 10 * MINUTE);

describe("docker compose up --scale worker=2", () => {
  it("starts every service healthy, runs runtime-images to completion and two workers", async () => {
    for (const service of ["redis", "dynamodb", "mailpit", "gateway"]) {
      const [container, ...others] = await project.containers(service);
      expect(others).toHaveLength(0);
      const info = await docker.getContainer(container?.Id ?? "missing").inspect();
      expect(info.State.Health?.Status, service).toBe("healthy");
    }
    const [images] = await project.containers("runtime-images");
    const imagesInfo = await docker.getContainer(images?.Id ?? "missing").inspect();
    expect(imagesInfo.State.Status).toBe("exited");
    expect(imagesInfo.State.ExitCode).toBe(0);
    expect(await project.logsOf(images?.Id ?? "")).toContain("up to date");
    const workers = await project.containers("worker");
    expect(workers).toHaveLength(WORKERS);
    for (const worker of workers) expect(worker.State).toBe("running");
  });

  it(
    "serves GET /hello through the gateway, each request run once, on the workers and never the gateway",
    async () => {
      let calls = 0;
      let perWorker: number[] = [];
      // Workers take requests from Redis in turn: call in rounds until each has run some (bounded).
      for (
        let round = 0;
        round < 10 && !(perWorker.length === WORKERS && perWorker.every(Boolean));
        round++
      ) {
        for (let i = 0; i < 4; i++, calls++) await getHello();
        perWorker = await eventually(async () => {
          const counts = [...(await workerLogs()).values()].map(
            (logs) => starts(logs, "hello-dev-api").length,
          );
          expect(counts.reduce((sum, count) => sum + count, 0)).toBe(calls);
          return counts;
        }, MINUTE);
      }
      expect(perWorker).toHaveLength(WORKERS);
      for (const count of perWorker) expect(count).toBeGreaterThan(0);
      const [gatewayContainer] = await project.containers("gateway");
      expect(starts(await project.logsOf(gatewayContainer?.Id ?? ""), "hello-dev-api")).toEqual([]);
    },
    5 * MINUTE,
  );

  it(
    "answers the Invoke API (AWS SDK) from a worker, in a function container on the compose network",
    async () => {
      const lambda = new LambdaClient({
        endpoint: gateway,
        region: "us-east-1",
        credentials: CREDENTIALS,
        maxAttempts: 1,
      });
      const result = await lambda.send(
        new InvokeCommand({ FunctionName: "hello", Payload: Buffer.from("{}") }),
      );
      expect(result.StatusCode).toBe(200);
      expect(result.FunctionError).toBeUndefined();
      expect(Buffer.from(result.Payload ?? new Uint8Array()).toString()).toBe('"Hello lambda"');
      await eventually(async () => {
        const ran = [...(await workerLogs()).values()].flatMap((logs) => starts(logs, "hello-dev-hello"));
        expect(ran).toHaveLength(1);
      }, MINUTE);
      // The workers' environments: on the project's network, made by a worker (its hostname is the owner's),
      // with the code the engine mounted from this host's functions folder.
      const workerHosts = (await project.containers("worker")).map((worker) => worker.Id.slice(0, 12));
      const environments = (await project.functionContainers()).filter(
        (container) => container.Labels["lambkin.function"] === "hello-dev-hello",
      );
      expect(environments.length).toBeGreaterThan(0);
      for (const environment of environments) {
        expect(workerHosts).toContain(environment.Labels["lambkin.owner-host"]);
        const info = await docker.getContainer(environment.Id).inspect();
        expect(info.HostConfig.Binds).toEqual([`${join(PACKAGE_ROOT, "functions", "hello")}:/var/task:ro`]);
      }
    },
    2 * MINUTE,
  );

  it(
    "publishes DynamoDB Local and keeps Redis's append-only file on",
    async () => {
      const dynamodb = new DynamoDBClient({
        endpoint: `http://127.0.0.1:${project.ports.dynamodb}`,
        region: "us-east-1",
        credentials: CREDENTIALS,
      });
      // The gateway created the coupon shop's tables there, as serverless.yml declares them.
      const tables = await dynamodb.send(new ListTablesCommand({}));
      expect(tables.TableNames).toEqual(["coupon-dev-coupons", "coupon-dev-payments"]);
      const appendonly = await project.runOrThrow([
        "exec",
        "-T",
        "redis",
        "redis-cli",
        "config",
        "get",
        "appendonly",
      ]);
      expect(appendonly.split(/\s+/).filter(Boolean)).toEqual(["appendonly", "yes"]);
    },
    2 * MINUTE,
  );

  it(
    "receives mail on the mail service's SMTP port and lists it in Mailpit's API shape",
    async () => {
      const api = `http://127.0.0.1:${project.ports.mailUi}/api/v1`;
      const transport = createTransport({ host: "127.0.0.1", port: project.ports.smtp, secure: false });
      await transport.sendMail({
        from: "shop@example.com",
        to: "ada@example.com",
        subject: "Your coupon",
        text: "Here it is.",
        attachments: [
          { filename: "coupon.pdf", content: Buffer.from("%PDF-1.4 coupon"), contentType: "application/pdf" },
        ],
      });
      const listed = await eventually(async () => {
        const response = await fetch(`${api}/messages`);
        const body = (await response.json()) as {
          messages_count: number;
          messages: { ID: string; Subject: string; Attachments: number; To: { Address: string }[] }[];
        };
        expect(body.messages_count).toBe(1);
        return body.messages[0];
      }, MINUTE);
      expect(listed).toMatchObject({
        Subject: "Your coupon",
        Attachments: 1,
        To: [{ Address: "ada@example.com" }],
      });
      const message = (await (await fetch(`${api}/message/${listed?.ID}`)).json()) as {
        Attachments: { PartID: string; FileName: string; ContentType: string }[];
      };
      expect(message.Attachments).toMatchObject([{ FileName: "coupon.pdf", ContentType: "application/pdf" }]);
      const part = await fetch(`${api}/message/${listed?.ID}/part/${message.Attachments[0]?.PartID}`);
      expect(Buffer.from(await part.arrayBuffer()).toString()).toBe("%PDF-1.4 coupon");
    },
    2 * MINUTE,
  );

  it(
    "sells a coupon end to end: HTTP API → DynamoDB → stream → PDF in the gateway's S3 → mail through Mailpit",
    async () => {
      const created = await fetch(`${gateway}/coupons`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": "compose-test-1" },
        body: JSON.stringify({ email: "turing@example.com", amount: 30, paymentReference: "pay_compose" }),
      });
      expect(created.status).toBe(201);
      const coupon = (await created.json()) as { id: string; code: string };
      const api = `http://127.0.0.1:${project.ports.mailUi}/api/v1`;
      type Listed = { ID: string; Subject: string; Attachments: number; To: { Address: string }[] };
      const mail = await eventually(async () => {
        const body = (await (await fetch(`${api}/messages`)).json()) as { messages: Listed[] };
        const found = body.messages.find((message) =>
          message.To.some((to) => to.Address === "turing@example.com"),
        );
        if (!found) throw new Error("no coupon mail in Mailpit yet");
        return found;
      }, 3 * MINUTE);
      expect(mail.Subject).toContain(coupon.code);
      const message = (await (await fetch(`${api}/message/${mail.ID}`)).json()) as {
        Attachments: { PartID: string; ContentType: string }[];
      };
      const [attachment] = message.Attachments;
      expect(attachment?.ContentType).toBe("application/pdf");
      const pdf = Buffer.from(
        await (await fetch(`${api}/message/${mail.ID}/part/${attachment?.PartID}`)).arrayBuffer(),
      );
      const parser = new PDFParse({ data: new Uint8Array(pdf) });
      expect((await parser.getText()).text).toContain(coupon.code);
      await parser.destroy();
      await eventually(async () => {
        const read = (await (await fetch(`${gateway}/coupons/${coupon.id}`)).json()) as { status: string };
        expect(read.status).toBe("mailed");
      }, MINUTE);
      // Every step ran on a worker, in a container; none in the gateway.
      const logs = [...(await workerLogs()).values()].join("\n");
      for (const fn of ["coupon-dev-createCoupon", "coupon-dev-pdf", "coupon-dev-mail"])
        expect(starts(logs, fn).length, fn).toBeGreaterThan(0);
      const [gatewayContainer] = await project.containers("gateway");
      expect(starts(await project.logsOf(gatewayContainer?.Id ?? ""), "coupon-dev-pdf")).toEqual([]);
    },
    5 * MINUTE,
  );
});
