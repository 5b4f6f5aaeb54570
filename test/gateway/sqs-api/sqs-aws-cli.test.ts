// The aws CLI 2.9 (Debian's awscli package, /usr/bin/aws: botocore's query serializer, XML parser and SigV4 signer)
// against the SQS API on the gateway's port, with the embedded store: every operation Lambkin serves, AWS's error
// codes as the CLI prints them, message bodies and attributes round-tripped exactly, queue URLs in AWS's own form
// accepted, and with access keys configured only correctly signed calls get through.
// The CLI runs with a clean environment and empty config/credentials files so the host's AWS setup can't interfere.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SqsApiServer, startSqsApiServer, TEST_KEY, uniqueQueueName } from "./sqs-api-server.js";

const AWS = "/usr/bin/aws";
let home: string;

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as JSON (the CLI's default output), {} when empty. */
  readonly json: Record<string, unknown>;
}

function aws(
  endpoint: string,
  args: string[],
  key: { accessKeyId: string; secretAccessKey: string } = TEST_KEY,
): Promise<CliRun> {
  const env = {
    PATH: "/usr/bin:/bin",
    HOME: home,
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_CONFIG_FILE: join(home, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  return new Promise((resolve) => {
    execFile(
      AWS,
      ["sqs", ...args, "--endpoint-url", endpoint, "--output", "json"],
      { env, cwd: home, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const json = stdout.trim() === "" ? {} : (JSON.parse(stdout) as Record<string, unknown>);
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr, json });
      },
    );
  });
}

/** Runs a call that must succeed, and returns its JSON output. */
async function ok(server: SqsApiServer, args: string[]): Promise<Record<string, unknown>> {
  const run = await aws(server.endpoint, args);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return run.json;
}

/** Runs a call that must fail with AWS's error `code`, as the CLI prints it: `An error occurred (<Code>) …`. */
async function fails(server: SqsApiServer, args: string[], code: string): Promise<string> {
  const run = await aws(server.endpoint, args);
  expect(run.code).not.toBe(0);
  expect(run.stderr).toContain(`An error occurred (${code})`);
  return run.stderr;
}

const md5 = (text: string | Buffer) => createHash("md5").update(text).digest("hex");

beforeAll(async () => {
  if (!existsSync(AWS))
    throw new Error(`${AWS} is missing: install Debian's awscli package (apt-get install awscli)`);
  home = await mkdtemp(join(tmpdir(), "lambkin-sqs-cli-"));
  await writeFile(join(home, "config"), "");
  await writeFile(join(home, "credentials"), "");
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("aws sqs, signatures not checked", () => {
  let server: SqsApiServer;
  beforeAll(async () => {
    server = await startSqsApiServer();
  });
  afterAll(() => server.close());

  it("create-queue, get-queue-url, list-queues, get/set-queue-attributes", async () => {
    const name = uniqueQueueName("attrs");
    const created = await ok(server, [
      "create-queue",
      "--queue-name",
      name,
      "--attributes",
      "VisibilityTimeout=5,MessageRetentionPeriod=3600",
    ]);
    const url = `${server.endpoint}/000000000000/${name}`;
    expect(created).toEqual({ QueueUrl: url });
    // Same attributes again: the same queue (CreateQueue is idempotent).
    expect(
      await ok(server, ["create-queue", "--queue-name", name, "--attributes", "VisibilityTimeout=5"]),
    ).toEqual({
      QueueUrl: url,
    });
    expect(await ok(server, ["get-queue-url", "--queue-name", name])).toEqual({ QueueUrl: url });
    const listed = await ok(server, ["list-queues", "--queue-name-prefix", name.slice(0, 5)]);
    expect(listed.QueueUrls).toContain(url);

    await ok(server, ["set-queue-attributes", "--queue-url", url, "--attributes", "DelaySeconds=2"]);
    const all = await ok(server, ["get-queue-attributes", "--queue-url", url, "--attribute-names", "All"]);
    expect(all.Attributes).toMatchObject({
      VisibilityTimeout: "5",
      MessageRetentionPeriod: "3600",
      DelaySeconds: "2",
      QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      ApproximateNumberOfMessages: "0",
    });
    const some = await ok(server, [
      "get-queue-attributes",
      "--queue-url",
      url,
      "--attribute-names",
      "DelaySeconds",
    ]);
    expect(some).toEqual({ Attributes: { DelaySeconds: "2" } });
  });

  it("send-message / receive-message round-trip a body and attributes exactly; delete-message", async () => {
    const url = (await ok(server, ["create-queue", "--queue-name", uniqueQueueName("msgs")]))
      .QueueUrl as string;
    const body = 'héllo\r\nwörld & <tag attr="1"/> ]]> \t 😀';
    const binary = Buffer.from([0, 1, 2, 250, 255]);
    const attributes = {
      color: { DataType: "String", StringValue: "blue & <green>" },
      count: { DataType: "Number", StringValue: "12.5" },
      blob: { DataType: "Binary", BinaryValue: binary.toString("base64") },
    };
    const sent = await ok(server, [
      "send-message",
      "--queue-url",
      url,
      "--message-body",
      body,
      "--message-attributes",
      JSON.stringify(attributes),
    ]);
    expect(sent.MD5OfMessageBody).toBe(md5(body));
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(sent.MessageId).toEqual(expect.any(String));

    const received = await ok(server, [
      "receive-message",
      "--queue-url",
      url,
      "--attribute-names",
      "All",
      "--message-attribute-names",
      "All",
      "--wait-time-seconds",
      "5",
    ]);
    const messages = received.Messages as Array<Record<string, unknown>>;
    expect(messages).toHaveLength(1);
    const [message] = messages as [Record<string, unknown>];
    expect(message.Body).toBe(body);
    expect(message.MD5OfBody).toBe(md5(body));
    expect(message.MessageId).toBe(sent.MessageId);
    expect(message.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message.MessageAttributes).toEqual(attributes);
    expect(message.Attributes).toMatchObject({ ApproximateReceiveCount: "1", SenderId: expect.any(String) });

    // In flight: a second receive gets nothing — an empty result the CLI prints as no output at all.
    const none = await aws(server.endpoint, ["receive-message", "--queue-url", url]);
    expect(none.code).toBe(0);
    expect(none.json).toEqual({});

    await ok(server, [
      "change-message-visibility",
      "--queue-url",
      url,
      "--receipt-handle",
      message.ReceiptHandle as string,
      "--visibility-timeout",
      "0",
    ]);
    const again = await ok(server, ["receive-message", "--queue-url", url, "--wait-time-seconds", "5"]);
    const [redelivered] = again.Messages as [Record<string, unknown>];
    expect(redelivered.MessageId).toBe(sent.MessageId);
    await ok(server, [
      "delete-message",
      "--queue-url",
      url,
      "--receipt-handle",
      redelivered.ReceiptHandle as string,
    ]);
    const attrs = await ok(server, [
      "get-queue-attributes",
      "--queue-url",
      url,
      "--attribute-names",
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible",
    ]);
    expect(attrs.Attributes).toEqual({
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "0",
    });
  });

  it("send-message-batch, delete-message-batch, change-message-visibility-batch with per-entry failures", async () => {
    const url = (await ok(server, ["create-queue", "--queue-name", uniqueQueueName("batch")]))
      .QueueUrl as string;
    const sent = await ok(server, [
      "send-message-batch",
      "--queue-url",
      url,
      "--entries",
      JSON.stringify([
        { Id: "a", MessageBody: "one" },
        { Id: "b", MessageBody: "two", DelaySeconds: 0 },
        { Id: "c", MessageBody: "three", DelaySeconds: 901 },
      ]),
    ]);
    const successful = sent.Successful as Array<Record<string, unknown>>;
    expect(successful.map((entry) => entry.Id).sort()).toEqual(["a", "b"]);
    expect(successful.find((entry) => entry.Id === "a")?.MD5OfMessageBody).toBe(md5("one"));
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: "c", SenderFault: true, Code: "InvalidParameterValue" }),
    ]);

    const received = await ok(server, [
      "receive-message",
      "--queue-url",
      url,
      "--max-number-of-messages",
      "10",
      "--wait-time-seconds",
      "5",
    ]);
    const messages = received.Messages as Array<Record<string, string>>;
    // A short receive may see part of the queue only (SQS samples servers; so may a store): take what came.
    expect(messages.length).toBeGreaterThanOrEqual(1);
    const changed = await ok(server, [
      "change-message-visibility-batch",
      "--queue-url",
      url,
      "--entries",
      JSON.stringify([
        ...messages.map((message, index) => ({
          Id: `m${index}`,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 60,
        })),
        { Id: "bogus", ReceiptHandle: "not-a-receipt-handle", VisibilityTimeout: 60 },
      ]),
    ]);
    expect((changed.Successful as unknown[]).length).toBe(messages.length);
    expect(changed.Failed).toEqual([expect.objectContaining({ Id: "bogus", SenderFault: true })]);

    const deleted = await ok(server, [
      "delete-message-batch",
      "--queue-url",
      url,
      "--entries",
      JSON.stringify(
        messages.map((message, index) => ({ Id: `d${index}`, ReceiptHandle: message.ReceiptHandle })),
      ),
    ]);
    expect((deleted.Successful as unknown[]).length).toBe(messages.length);

    await fails(
      server,
      [
        "delete-message-batch",
        "--queue-url",
        url,
        "--entries",
        JSON.stringify([
          { Id: "x", ReceiptHandle: "h1" },
          { Id: "x", ReceiptHandle: "h2" },
        ]),
      ],
      "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    );
    const eleven = Array.from({ length: 11 }, (_, index) => ({ Id: `e${index}`, MessageBody: "x" }));
    await fails(
      server,
      ["send-message-batch", "--queue-url", url, "--entries", JSON.stringify(eleven)],
      "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    );
  });

  it("accepts AWS's own queue URL (what `!Ref Queue` gives a handler) with the endpoint configured", async () => {
    const name = uniqueQueueName("awsurl");
    await ok(server, ["create-queue", "--queue-name", name]);
    const awsUrl = `https://sqs.us-east-1.amazonaws.com/000000000000/${name}`;
    await ok(server, ["send-message", "--queue-url", awsUrl, "--message-body", "via the AWS URL"]);
    const received = await ok(server, ["receive-message", "--queue-url", awsUrl, "--wait-time-seconds", "5"]);
    expect((received.Messages as Array<Record<string, string>>)[0]?.Body).toBe("via the AWS URL");
  });

  it("purge-queue empties a queue; delete-queue removes it (then NonExistentQueue)", async () => {
    const name = uniqueQueueName("purge");
    const url = (await ok(server, ["create-queue", "--queue-name", name])).QueueUrl as string;
    await ok(server, ["send-message", "--queue-url", url, "--message-body", "m"]);
    await ok(server, ["purge-queue", "--queue-url", url]);
    const after = await aws(server.endpoint, ["receive-message", "--queue-url", url]);
    expect(after.json).toEqual({});
    await ok(server, ["delete-queue", "--queue-url", url]);
    await fails(server, ["get-queue-url", "--queue-name", name], "AWS.SimpleQueueService.NonExistentQueue");
    await fails(
      server,
      ["send-message", "--queue-url", url, "--message-body", "m"],
      "AWS.SimpleQueueService.NonExistentQueue",
    );
  });

  it("answers bad input with SQS's error codes", async () => {
    const name = uniqueQueueName("errors");
    const url = (await ok(server, ["create-queue", "--queue-name", name])).QueueUrl as string;
    await fails(server, ["create-queue", "--queue-name", "not a valid name!"], "InvalidParameterValue");
    await fails(
      server,
      ["get-queue-attributes", "--queue-url", url, "--attribute-names", "NoSuchAttribute"],
      "InvalidAttributeName",
    );
    await fails(
      server,
      ["receive-message", "--queue-url", url, "--max-number-of-messages", "11"],
      "InvalidParameterValue",
    );
    await fails(
      server,
      ["send-message", "--queue-url", url, "--message-body", "x", "--delay-seconds", "901"],
      "InvalidParameterValue",
    );
    await fails(
      server,
      ["delete-message", "--queue-url", url, "--receipt-handle", "garbage"],
      "ReceiptHandleIsInvalid",
    );
    await fails(
      server,
      ["create-queue", "--queue-name", name, "--attributes", "VisibilityTimeout=99"],
      "QueueAlreadyExists",
    );
  });
});

describe("aws sqs, with access keys configured", () => {
  let server: SqsApiServer;
  beforeAll(async () => {
    server = await startSqsApiServer({
      accessKeys: new Map([[TEST_KEY.accessKeyId, TEST_KEY.secretAccessKey]]),
    });
  });
  afterAll(() => server.close());

  it("serves a call signed by a known key, refuses a wrong secret and an unknown key", async () => {
    const name = uniqueQueueName("signed");
    expect((await ok(server, ["create-queue", "--queue-name", name])).QueueUrl).toContain(name);
    const wrongSecret = await aws(server.endpoint, ["list-queues"], {
      ...TEST_KEY,
      secretAccessKey: "wrong",
    });
    expect(wrongSecret.code).not.toBe(0);
    expect(wrongSecret.stderr).toContain("(SignatureDoesNotMatch)");
    const unknown = await aws(server.endpoint, ["list-queues"], {
      accessKeyId: "AKIDUNKNOWN000000000",
      secretAccessKey: "whatever",
    });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("(InvalidClientTokenId)");
  });
});

describe("aws sqs against a gateway without an SQS store", () => {
  let server: SqsApiServer;
  beforeAll(async () => {
    server = await startSqsApiServer({ withStore: false });
  });
  afterAll(() => server.close());

  it("answers ServiceUnavailable in SQS's format", async () => {
    await fails(server, ["list-queues"], "ServiceUnavailable");
  });
});
