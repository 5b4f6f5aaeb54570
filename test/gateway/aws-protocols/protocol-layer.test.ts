import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { AwsError } from "../../../gateway/aws-protocols/aws-error.js";
import {
  awsServiceOf,
  awsServiceRewriteUrl,
  classifyAwsRequest,
} from "../../../gateway/aws-protocols/aws-service-router.js";
import { credentialScopeService } from "../../../gateway/aws-protocols/credential-scope.js";
import { parseQueryParameters } from "../../../gateway/aws-protocols/query-form.js";
import { queryErrorXml, queryResponseXml } from "../../../gateway/aws-protocols/query-protocol.js";
import { flatList, flatStringMap, structList } from "../../../gateway/aws-protocols/query-structures.js";
import { element, escapeXml } from "../../../gateway/aws-protocols/xml-writer.js";

const SERVICES = [{ service: "sqs", jsonTargetPrefix: "AmazonSQS." }, { service: "sns" }];
const authorization = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

function request(url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { url, headers } as unknown as IncomingMessage;
}

describe("credential scope", () => {
  it("reads the service of an Authorization header and of a presigned URL", () => {
    expect(credentialScopeService({ authorization: authorization("sqs") }, "/")).toBe("sqs");
    expect(
      credentialScopeService({}, "/?X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsns%2Faws4_request&x=1"),
    ).toBe("sns");
    expect(credentialScopeService({ authorization: "Bearer abc" }, "/")).toBeUndefined();
    expect(credentialScopeService({}, "/?X-Amz-Credential=%ZZ")).toBeUndefined();
    expect(credentialScopeService({ authorization: `Credential=${"a/".repeat(3000)}` }, "/")).toBeUndefined();
  });
});

describe("classifier", () => {
  it("claims requests signed for a registered service or naming its JSON target, and nothing else", () => {
    expect(classifyAwsRequest(request("/", { authorization: authorization("sqs") }), SERVICES)?.service).toBe(
      "sqs",
    );
    expect(classifyAwsRequest(request("/", { authorization: authorization("sns") }), SERVICES)?.service).toBe(
      "sns",
    );
    expect(
      classifyAwsRequest(request("/", { authorization: authorization("lambda") }), SERVICES),
    ).toBeUndefined();
    expect(
      classifyAwsRequest(request("/", { authorization: authorization("execute-api") }), SERVICES),
    ).toBeUndefined();
    expect(
      classifyAwsRequest(request("/", { "x-amz-target": "AmazonSQS.ListQueues" }), SERVICES)?.service,
    ).toBe("sqs");
    expect(
      classifyAwsRequest(request("/", { "x-amz-target": "DynamoDB_20120810.ListTables" }), SERVICES),
    ).toBeUndefined();
    // A signature wins over the target: a Lambda call naming an SQS target is still Lambda's.
    expect(
      classifyAwsRequest(
        request("/", { authorization: authorization("lambda"), "x-amz-target": "AmazonSQS.ListQueues" }),
        SERVICES,
      ),
    ).toBeUndefined();
  });

  it("moves a claimed request under its service's path and marks it; others keep their URL", () => {
    const rewrite = awsServiceRewriteUrl(SERVICES);
    const claimed = request("/000000000000/q?a=1", { authorization: authorization("sqs") });
    expect(rewrite(claimed)).toBe("/ aws/sqs/000000000000/q?a=1");
    expect(awsServiceOf(claimed)).toBe("sqs");
    const route = request("/users/1", {});
    expect(rewrite(route)).toBe("/users/1");
    expect(awsServiceOf(route)).toBeUndefined();
  });
});

describe("query form parser", () => {
  it("decodes form encoding, body over query string", () => {
    const parameters = parseQueryParameters("Action=ListQueues&A=q", Buffer.from("A=b+c%26d&Empty=&Flag"));
    expect(Object.fromEntries(parameters)).toEqual({ Action: "ListQueues", A: "b c&d", Empty: "", Flag: "" });
  });

  it("refuses too many parameters, long names, repeats and bad percent-encoding with MalformedQueryString", () => {
    const many = Array.from({ length: 3000 }, (_, index) => `p${index}=1`).join("&");
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof AwsError ? error.code : "not an AwsError";
      }
      return "accepted";
    };
    expect(refusal(() => parseQueryParameters("", Buffer.from(many)))).toBe("MalformedQueryString");
    expect(refusal(() => parseQueryParameters("", Buffer.from(`${"n".repeat(5000)}=1`)))).toBe(
      "MalformedQueryString",
    );
    expect(refusal(() => parseQueryParameters("", Buffer.from("a=1&a=2")))).toBe("MalformedQueryString");
    expect(refusal(() => parseQueryParameters("", Buffer.from("a=%E0%A4%A")))).toBe("MalformedQueryString");
    expect(refusal(() => parseQueryParameters("", Buffer.from(`a=${"x".repeat(100_000)}`)))).toBe("accepted");
  });
});

describe("query structures", () => {
  const parameters = parseQueryParameters(
    "",
    Buffer.from(
      "AttributeName.1=All&AttributeName.2=Policy&AttributeName.4=Gap" +
        "&Attribute.1.Name=DelaySeconds&Attribute.1.Value=5&Attribute.2.Name=Policy&Attribute.2.Value=%7B%7D" +
        "&Entry.1.Id=a&Entry.1.MessageBody=x&Entry.2.Id=b",
    ),
  );
  it("reads flattened lists, maps and lists of structures, stopping at a gap and past the maximum", () => {
    expect(flatList(parameters, "AttributeName", 10)).toEqual(["All", "Policy"]);
    expect(flatList(parameters, "AttributeName", 1)).toEqual(["All", "Policy"]);
    expect(flatList(parameters, "Missing", 10)).toBeUndefined();
    expect(flatStringMap(parameters, "Attribute", 10)).toEqual({ DelaySeconds: "5", Policy: "{}" });
    const entries = structList(parameters, "Entry", 10);
    expect(entries?.map((entry) => Object.fromEntries(entry))).toEqual([
      { Id: "a", MessageBody: "x" },
      { Id: "b" },
    ]);
  });
});

describe("XML answers", () => {
  it("escapes markup, carriage returns and characters XML cannot carry", () => {
    expect(escapeXml(`<a href="x">&'\r\n\u0001\uD800</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#xD;\n\uFFFD\uFFFD&lt;/a&gt;",
    );
  });

  it("writes the success and error envelopes", () => {
    const ns = "http://queue.amazonaws.com/doc/2012-11-05/";
    expect(queryResponseXml("GetQueueUrl", ns, "rid", [element("QueueUrl", "http://h/0/q<")])).toBe(
      `<?xml version="1.0"?><GetQueueUrlResponse xmlns="${ns}"><GetQueueUrlResult><QueueUrl>http://h/0/q&lt;</QueueUrl></GetQueueUrlResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetQueueUrlResponse>`,
    );
    expect(queryResponseXml("DeleteQueue", ns, "rid", undefined)).toBe(
      `<?xml version="1.0"?><DeleteQueueResponse xmlns="${ns}"><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></DeleteQueueResponse>`,
    );
    const error = new AwsError("QueueDoesNotExist", "The specified queue does not exist.", {
      queryCode: "AWS.SimpleQueueService.NonExistentQueue",
    });
    expect(queryErrorXml(error, ns, "rid")).toBe(
      `<?xml version="1.0"?><ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message><Detail/></Error><RequestId>rid</RequestId></ErrorResponse>`,
    );
  });
});
