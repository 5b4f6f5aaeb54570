import {
  CreateQueueCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { expect, it } from "vitest";
import { startSqsApiServer, uniqueQueueName } from "./sqs-api-server.js";

it("smoke", async () => {
  const server = await startSqsApiServer();
  try {
    const sqs = server.client();
    const name = uniqueQueueName("smoke");
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    console.log(QueueUrl, await sqs.send(new ListQueuesCommand({})));
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: "hi",
        MessageAttributes: { a: { DataType: "String", StringValue: "x" } },
      }),
    );
    console.log(sent);
    console.log(
      JSON.stringify(
        await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ["All"], AttributeNames: ["All"] }),
        ),
      ),
    );
    const cli = await server.aws(["list-queues"]);
    console.log(cli);
    console.log(
      await server.aws([
        "receive-message",
        "--queue-url",
        QueueUrl as string,
        "--message-attribute-names",
        "All",
        "--visibility-timeout",
        "0",
      ]),
    );
    console.log(await server.aws(["get-queue-url", "--queue-name", "nope"]));
    const r = await fetch(`${server.endpoint}/`, { method: "GET" });
    console.log(r.status, await r.text());
  } finally {
    await server.close();
  }
  expect(1).toBe(1);
});
