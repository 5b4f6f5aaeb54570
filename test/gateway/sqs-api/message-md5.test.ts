// MD5OfMessageAttributes against digests published by other implementations, computed by AWS's own servers or SDK
// checks: LocalStack's test_sqs_message_attrs_md5 (a Number attribute), wcharczuk/sqslite's md5_test.go (two
// attributes, sorted by name) and the SellerName example of a message-attributes checksum test.
import { describe, expect, it } from "vitest";
import { md5OfAttributes, md5OfBody } from "../../../gateway/sqs-api/message-md5.js";

describe("message digests", () => {
  it("MD5OfMessageAttributes matches AWS's encoding", () => {
    expect(md5OfAttributes({ timestamp: { DataType: "Number", StringValue: "1493147359900" } })).toBe(
      "235c5c510d26fb653d073faed50ae77c",
    );
    expect(
      md5OfAttributes({
        ordinal: { DataType: "Number", StringValue: "1" },
        category: { DataType: "String", StringValue: "test" },
      }),
    ).toBe("d21ae90c49061e927f57df5f5d72be1f");
    expect(md5OfAttributes({ SellerName: { DataType: "String", StringValue: "Example Store" } })).toBe(
      "cd28f3b68aeee4b2eac9c66f2f694b58",
    );
  });

  it("encodes a Binary value with transport type 2, and answers nothing for no attributes", () => {
    const binary = md5OfAttributes({ b: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) } });
    const asString = md5OfAttributes({ b: { DataType: "Binary", StringValue: "\u0001\u0002\u0003" } });
    expect(binary).toMatch(/^[0-9a-f]{32}$/);
    expect(binary).not.toBe(asString);
    expect(md5OfAttributes({})).toBeUndefined();
    expect(md5OfAttributes(undefined)).toBeUndefined();
  });

  it("MD5OfMessageBody is the MD5 of the body's UTF-8 bytes", () => {
    expect(md5OfBody("hi")).toBe("49f68a5c8493ec2c0bf489821c21fc3b");
    expect(md5OfBody("")).toBe("d41d8cd98f00b204e9800998ecf8427e");
  });
});
