/**
 * Lambda's event filtering against the examples of its documentation
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html), and hostile patterns.
 */
import { describe, expect, it } from "vitest";
import {
  compileFilterCriteria,
  FilterPatternError,
  sqsFilterView,
} from "../../../runtime/event-filtering/index.js";

const matches = (pattern: Record<string, unknown>, record: unknown) =>
  compileFilterCriteria([pattern]).matches(record);

describe("Lambda's comparison operators", () => {
  const record = {
    Location: "New York",
    Day: "Monday",
    Name: "Alice",
    LastName: "",
    UserID: null,
    Weather: "Sunny",
    Price: 15,
    Region: "us-east-1",
    FileName: "cat.jpg",
    Tags: ["a", "b"],
    nested: { deep: { level: 3 } },
  };
  it.each([
    ["null", { UserID: [null] }, true],
    ["null on a value", { Name: [null] }, false],
    ["empty", { LastName: [""] }, true],
    ["equals", { Name: ["Alice"] }, true],
    ["equals is case-sensitive", { Name: ["alice"] }, false],
    ["equals-ignore-case", { Name: [{ "equals-ignore-case": "alice" }] }, true],
    ["and", { Location: ["New York"], Day: ["Monday"] }, true],
    ["and, one key failing", { Location: ["New York"], Day: ["Friday"] }, false],
    ["or within a key", { Day: ["Friday", "Monday"] }, true],
    ["$or across keys", { $or: [{ Location: ["Paris"] }, { Day: ["Monday"] }] }, true],
    ["$or, none", { $or: [{ Location: ["Paris"] }, { Day: ["Friday"] }] }, false],
    ["anything-but", { Weather: [{ "anything-but": ["Raining"] }] }, true],
    ["anything-but, excluded", { Weather: [{ "anything-but": "Sunny" }] }, false],
    ["numeric equals", { Price: [{ numeric: ["=", 15] }] }, true],
    ["numeric range", { Price: [{ numeric: [">", 10, "<=", 20] }] }, true],
    ["numeric range, outside", { Price: [{ numeric: [">", 15, "<=", 20] }] }, false],
    ["numeric on a string", { Name: [{ numeric: [">", 0] }] }, false],
    ["exists", { Name: [{ exists: true }] }, true],
    ["exists, missing", { ProductName: [{ exists: true }] }, false],
    ["does not exist", { ProductName: [{ exists: false }] }, true],
    ["does not exist, present", { Name: [{ exists: false }] }, false],
    ["exists on an object is not a leaf", { nested: [{ exists: true }] }, false],
    ["prefix", { Region: [{ prefix: "us-" }] }, true],
    ["prefix ignoring case", { Region: [{ prefix: { "equals-ignore-case": "US-" } }] }, true],
    ["suffix", { FileName: [{ suffix: ".jpg" }] }, true],
    ["suffix, other", { FileName: [{ suffix: ".png" }] }, false],
    ["any element of an array", { Tags: ["b"] }, true],
    ["nested", { nested: { deep: { level: [3] } } }, true],
    ["nested, missing parent", { other: { deep: { level: [3] } } }, false],
  ])("%s", (_name, pattern, expected) => {
    expect(matches(pattern, record)).toBe(expected);
  });

  it("ORs across filters; no filter lets everything through", () => {
    const criteria = compileFilterCriteria([{ a: ["1"] }, { b: ["2"] }]);
    expect(criteria.matches({ b: "2" })).toBe(true);
    expect(criteria.matches({ c: "3" })).toBe(false);
    expect(compileFilterCriteria(undefined).matches({ anything: true })).toBe(true);
    expect(compileFilterCriteria([]).matches({})).toBe(true);
  });

  it("takes the Lambda API's { Pattern: JSON text } form", () => {
    const criteria = compileFilterCriteria([{ Pattern: '{"body":{"status":["paid"]}}' }]);
    expect(criteria.matches({ body: { status: "paid" } })).toBe(true);
    expect(criteria.keys).toEqual(new Set(["body"]));
  });

  it("matches the documented SQS example: a JSON body, and a plain-string body", () => {
    const json = sqsFilterView({
      messageId: "1",
      body: '{"RecordNumber":1234,"TimeStamp":"yyyy-mm-ddThh:mm:ss","RequestCode":"AAAA"}',
    });
    expect(matches({ body: { RequestCode: ["AAAA"] } }, json)).toBe(true);
    const text = sqsFilterView({ messageId: "2", body: "plain text" });
    expect(matches({ body: ["plain text"] }, text)).toBe(true);
    expect(matches({ body: { RequestCode: ["AAAA"] } }, text)).toBe(false);
    expect(matches({ body: ["plain text"] }, json)).toBe(false);
  });
});

describe("hostile and malformed patterns are refused with a reason", () => {
  it.each([
    ["not a list", { a: ["1"] }, /must be a list/],
    ["too many filters", Array.from({ length: 11 }, () => ({ a: ["1"] })), /at most 5/],
    ["an empty pattern", [{}], /non-empty object/],
    ["a scalar where a list goes", [{ a: "1" }], /non-empty list of values/],
    ["an empty list", [{ a: [] }], /non-empty list of values/],
    ["an unknown operator", [{ a: [{ regex: ".*" }] }], /regex is not an operator/],
    ["EventBridge's wildcard", [{ a: [{ wildcard: "*x" }] }], /EventBridge's/],
    [
      "anything-but prefix",
      [{ a: [{ "anything-but": { prefix: "x" } }] }],
      /does not support anything-but with prefix/,
    ],
    ["a bad numeric", [{ a: [{ numeric: ["~", 1] }] }], /numeric comparisons/],
    ["exists with a string", [{ a: [{ exists: "yes" }] }], /true or false/],
    ["Pattern not JSON", [{ Pattern: "{nope" }], /not JSON/],
    ["a lone $or", [{ $or: [{ a: ["1"] }] }], /at least two/],
    ["over 4096 characters", [{ a: ["x".repeat(5000)] }], /over Lambda's 4096/],
  ])("%s", (_name, patterns, reason) => {
    expect(() => compileFilterCriteria(patterns)).toThrow(FilterPatternError);
    expect(() => compileFilterCriteria(patterns)).toThrow(reason);
  });

  it("refuses nesting past the depth limit", () => {
    let pattern: Record<string, unknown> = { leaf: ["x"] };
    for (let depth = 0; depth < 40; depth++) pattern = { n: pattern };
    expect(() => compileFilterCriteria([pattern])).toThrow(/deeper than/);
  });
});
