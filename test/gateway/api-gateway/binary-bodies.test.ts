// Binary bodies in both directions: a REST API base64-encodes request bodies whose Content-Type is one of its
// binaryMediaTypes and decodes isBase64Encoded responses for a matching Accept header; an HTTP API passes text
// types as text, everything else base64, and always decodes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./gateway-harness.js";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const BYTES = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]);

describe("binary bodies", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("binary");
  });
  afterAll(() => gateway?.close());

  const echo = async (path: string, contentType: string | undefined, body: Buffer | string) => {
    const headers: [string, string][] = contentType ? [["Content-Type", contentType]] : [];
    return (await gateway.send("POST", path, { headers, body })).json();
  };

  it("REST: a body of a binary media type arrives base64, any other as text", async () => {
    expect(await echo("/rest/echo", "image/png", BYTES)).toEqual({
      body: BYTES.toString("base64"),
      isBase64Encoded: true,
    });
    expect(await echo("/rest/echo", "application/json", '{"a":1}')).toEqual({
      body: '{"a":1}',
      isBase64Encoded: false,
    });
    expect(await echo("/rest/echo", "application/octet-stream", "abc")).toEqual({
      body: "abc",
      isBase64Encoded: false,
    });
  });

  it("HTTP API: text types arrive as text, anything else base64", async () => {
    expect(await echo("/http/echo", "application/json; charset=utf-8", '{"a":1}')).toEqual({
      body: '{"a":1}',
      isBase64Encoded: false,
    });
    expect(await echo("/http/echo", "text/csv", "a,b")).toEqual({ body: "a,b", isBase64Encoded: false });
    expect(await echo("/http/echo", "application/octet-stream", BYTES)).toEqual({
      body: BYTES.toString("base64"),
      isBase64Encoded: true,
    });
    expect(await echo("/http/echo", "application/x-www-form-urlencoded", "a=1")).toEqual({
      body: Buffer.from("a=1").toString("base64"),
      isBase64Encoded: true,
    });
    expect(await echo("/http/echo", undefined, "raw")).toEqual({
      body: Buffer.from("raw").toString("base64"),
      isBase64Encoded: true,
    });
  });

  it("REST: a base64 response is decoded for an Accept of a binary media type, else sent as base64 text", async () => {
    const image = await gateway.send("GET", "/rest/image", { headers: [["Accept", "image/png"]] });
    expect(image.header("content-type")).toBe("image/png");
    expect(image.body.equals(PNG)).toBe(true);
    const text = await gateway.send("GET", "/rest/image", { headers: [["Accept", "application/json"]] });
    expect(text.text()).toBe(PNG.toString("base64"));
  });

  it("HTTP API: a base64 response is always decoded", async () => {
    const image = await gateway.send("GET", "/http/image");
    expect(image.body.equals(PNG)).toBe(true);
  });
});
