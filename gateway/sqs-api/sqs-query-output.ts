/**
 * An SQS output object as the query protocol's XML (the children of `<ActionResult>`), with the element names of
 * the SQS query model (botocore's sqs/2012-11-05/service-2.json): lists and maps are flattened — `QueueUrls` is one
 * `<QueueUrl>` per URL, `Messages` one `<Message>` each, `Attributes` one `<Attribute><Name/><Value/></Attribute>`
 * per entry, `MessageAttributes` `<MessageAttribute><Name/><Value><DataType/><StringValue/></Value>`, a batch's
 * `Successful` one `<ActionResultEntry>` each and `Failed` one `<BatchResultErrorEntry>` each.
 */
import { element, type XmlChild } from "../aws-protocols/xml-writer.js";

/** Actions whose output the query model wraps in `<ActionResult>`; the others answer only ResponseMetadata. */
const ACTIONS_WITH_RESULT = new Set([
  "CreateQueue",
  "GetQueueUrl",
  "ListQueues",
  "GetQueueAttributes",
  "SendMessage",
  "SendMessageBatch",
  "ReceiveMessage",
  "DeleteMessageBatch",
  "ChangeMessageVisibilityBatch",
]);

export function queryOutput(
  action: string,
  output: Readonly<Record<string, unknown>>,
): XmlChild[] | undefined {
  return ACTIONS_WITH_RESULT.has(action) ? members(action, output) : undefined;
}

function members(action: string, value: Readonly<Record<string, unknown>>): XmlChild[] {
  const children: XmlChild[] = [];
  for (const [name, member] of Object.entries(value)) {
    if (member === undefined || member === null) continue;
    switch (name) {
      case "QueueUrls":
        for (const url of member as string[]) children.push(element("QueueUrl", url));
        break;
      case "Messages":
        for (const message of member as Record<string, unknown>[]) {
          children.push(element("Message", ...members(action, message)));
        }
        break;
      case "Successful":
        for (const entry of member as Record<string, unknown>[]) {
          children.push(element(`${action}ResultEntry`, ...members(action, entry)));
        }
        break;
      case "Failed":
        for (const entry of member as Record<string, unknown>[]) {
          children.push(element("BatchResultErrorEntry", ...members(action, entry)));
        }
        break;
      case "Attributes":
        for (const [key, text] of Object.entries(member as Record<string, string>)) {
          children.push(element("Attribute", element("Name", key), element("Value", text)));
        }
        break;
      case "MessageAttributes":
        for (const [key, attribute] of Object.entries(member as Record<string, Record<string, string>>)) {
          children.push(
            element(
              "MessageAttribute",
              element("Name", key),
              element("Value", ...Object.entries(attribute).map(([field, text]) => element(field, text))),
            ),
          );
        }
        break;
      default:
        children.push(element(name, member as string | number | boolean));
    }
  }
  return children;
}
