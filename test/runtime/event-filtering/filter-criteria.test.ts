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

  it("never matches a record that is not an object, and never throws on one", () => {
    const criteria = compileFilterCriteria([{ a: [{ exists: false }] }, { b: ["1"] }]);
    // exists:false holds of a record without the key — but a non-object record has no keys to filter on at all.
    for (const record of [null, undefined, 1, "text", [{ b: "1" }], true]) {
      expect(() => criteria.matches(record)).not.toThrow();
    }
    expect(compileFilterCriteria([{ b: ["1"] }]).matches("b")).toBe(false);
  });

  it("matches booleans, numbers as numbers, and $or nested under a key", () => {
    expect(matches({ ok: [true] }, { ok: true })).toBe(true);
    expect(matches({ ok: [true] }, { ok: "true" })).toBe(false);
    expect(matches({ n: [15] }, { n: 15.0 })).toBe(true);
    expect(matches({ n: [15] }, { n: "15" })).toBe(false);
    expect(matches({ n: [{ numeric: [">=", 1.5, "<", 2] }] }, { n: 1.5 })).toBe(true);
    expect(matches({ n: [{ "anything-but": [1, 2] }] }, { n: 3 })).toBe(true);
    expect(matches({ n: [{ "anything-but": [1, 2] }] }, { n: 2 })).toBe(false);
    expect(matches({ n: [{ "anything-but": [1, 2] }] }, {})).toBe(false);
    const nestedOr = { body: { $or: [{ a: ["1"] }, { b: [{ prefix: "x" }] }] } };
    expect(matches(nestedOr, { body: { b: "xyz" } })).toBe(true);
    expect(matches(nestedOr, { body: { c: "1" } })).toBe(false);
  });

  it("takes a range with the upper bound first", () => {
    expect(matches({ n: [{ numeric: ["<", 10, ">", 0] }] }, { n: 5 })).toBe(true);
    expect(matches({ n: [{ numeric: ["<", 10, ">", 0] }] }, { n: 10 })).toBe(false);
  });

  it("treats an empty array as no value: it neither exists nor equals anything", () => {
    expect(matches({ tags: [{ exists: true }] }, { tags: [] })).toBe(false);
    expect(matches({ tags: [{ exists: false }] }, { tags: [] })).toBe(true);
    expect(matches({ tags: [null] }, { tags: [] })).toBe(false);
    expect(matches({ tags: [{ "anything-but": "x" }] }, { tags: [] })).toBe(false);
    expect(matches({ tags: [{ exists: true }] }, { tags: ["a"] })).toBe(true);
  });

  it("matches DynamoDB's typed attributes as they are: N is a string, so numeric never matches it", () => {
    // https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html: patterns go under `dynamodb`, through
    // the attribute's type key. Numbers there are strings ({"N": "101"}); numeric matching takes JSON numbers only.
    const record = {
      eventName: "INSERT",
      dynamodb: {
        Keys: { CustomerName: { S: "AnyCompany Industries" } },
        NewImage: { AccountManager: { S: "Pat Candella" }, Salary: { N: "60000" }, Active: { BOOL: true } },
      },
    };
    expect(matches({ dynamodb: { Keys: { CustomerName: { S: ["AnyCompany Industries"] } } } }, record)).toBe(
      true,
    );
    expect(
      matches(
        { dynamodb: { NewImage: { AccountManager: { S: ["Pat Candella", "Shirley Rodriguez"] } } } },
        record,
      ),
    ).toBe(true);
    expect(matches({ dynamodb: { NewImage: { Active: { BOOL: [true] } } } }, record)).toBe(true);
    expect(matches({ dynamodb: { NewImage: { Salary: { N: ["60000"] } } } }, record)).toBe(true);
    expect(matches({ dynamodb: { NewImage: { Salary: { N: [{ numeric: [">", 50000] }] } } } }, record)).toBe(
      false,
    );
  });

  it("matches within a huge record array, element by element", () => {
    const record = { items: [...Array.from({ length: 100_000 }, (_, i) => `item-${i}`), "needle"] };
    expect(matches({ items: ["needle"] }, record)).toBe(true);
    expect(matches({ items: ["hay"] }, record)).toBe(false);
  });

  it("follows only the pattern's depth into a deeply nested record", () => {
    let record: Record<string, unknown> = { leaf: "x" };
    for (let depth = 0; depth < 10_000; depth++) record = { n: record };
    expect(matches({ n: { n: { n: [{ exists: true }] } } }, record)).toBe(false);
    expect(matches({ n: [{ exists: false }] }, record)).toBe(false);
  });

  it("takes the Lambda API's { Pattern: JSON text } form", () => {
    const criteria = compileFilterCriteria([{ Pattern: '{"body":{"status":["paid"]}}' }]);
    expect(criteria.matches({ body: { status: "paid" } })).toBe(true);
    expect(criteria.keys).toEqual(new Set(["body"]));
    const whole = compileFilterCriteria({ Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] });
    expect(whole.matches({ eventName: "INSERT" })).toBe(true);
    expect(whole.matches({ eventName: "REMOVE" })).toBe(false);
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
    [
      "six filters (Lambda's default quota is 5)",
      Array.from({ length: 6 }, () => ({ a: ["1"] })),
      /at most 5/,
    ],
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
    ["Pattern not text", [{ Pattern: { body: ["x"] } }], /Pattern must be the pattern as JSON text/],
    ["Pattern JSON but a list", [{ Pattern: '["x"]' }], /non-empty object/],
    ["Pattern JSON but a string", [{ Pattern: '"x"' }], /non-empty object/],
    ["a filter that is a string", ["body"], /non-empty object/],
    ["a filter that is null", [null], /non-empty object/],
    [
      "a Pattern over 4096 characters",
      [{ Pattern: JSON.stringify({ a: ["x".repeat(4100)] }) }],
      /over Lambda's 4096/,
    ],
    ["a huge list of values", [{ a: Array.from({ length: 100_000 }, (_, i) => i) }], /over Lambda's 4096/],
    ["a nested list", [{ a: [["x"]] }], /neither a value nor one operator/],
    [
      "two operators in one object",
      [{ a: [{ prefix: "x", suffix: "y" }] }],
      /neither a value nor one operator/,
    ],
    ["prefix with a number", [{ a: [{ prefix: 1 }] }], /prefix takes a string/],
    ["numeric with three items", [{ a: [{ numeric: [">", 1, "<"] }] }], /one or two comparisons/],
    ["numeric = in a range", [{ a: [{ numeric: ["=", 1, "<", 2] }] }], /stands alone/],
    ["numeric with two lower bounds", [{ a: [{ numeric: [">", 1, ">=", 2] }] }], /one lower bound/],
    ["numeric with two upper bounds", [{ a: [{ numeric: ["<", 1, "<=", 2] }] }], /one lower bound/],
    ["numeric with a string bound", [{ a: [{ numeric: [">", "1"] }] }], /followed by a number/],
    ["EventBridge's cidr", [{ a: [{ cidr: "10.0.0.0/24" }] }], /EventBridge's/],
    [
      "anything-but ignoring case",
      [{ a: [{ "anything-but": { "equals-ignore-case": "x" } }] }],
      /anything-but takes/,
    ],
    ["an empty anything-but", [{ a: [{ "anything-but": [] }] }], /anything-but takes/],
    ["$or that is not a list", [{ $or: { a: ["1"] } }], /at least two/],
    ["a lone $or", [{ $or: [{ a: ["1"] }] }], /at least two/],
    ["over 4096 characters", [{ a: ["x".repeat(5000)] }], /over Lambda's 4096/],
  ])("%s", (_name, patterns, reason) => {
    expect(() => compileFilterCriteria(patterns)).toThrow(FilterPatternError);
    expect(() => compileFilterCriteria(patterns)).toThrow(reason);
  });

  it("takes up to 10 filters when the quota is raised, never more", () => {
    const ten = Array.from({ length: 10 }, (_, i) => ({ a: [String(i)] }));
    expect(compileFilterCriteria(ten, { maxFilters: 10 }).matches({ a: "9" })).toBe(true);
    const eleven = Array.from({ length: 11 }, () => ({ a: ["1"] }));
    expect(() => compileFilterCriteria(eleven, { maxFilters: 50 })).toThrow(/at most 10/);
  });

  it("refuses a cyclic pattern (a YAML alias inside itself) with a reason, not a crash", () => {
    const cyclic: Record<string, unknown> = { a: ["1"] };
    cyclic.self = cyclic;
    expect(() => compileFilterCriteria([cyclic])).toThrow(FilterPatternError);
  });

  it("refuses a Pattern text nested past the depth limit", () => {
    const text = `${'{"n":'.repeat(600)}["x"]${"}".repeat(600)}`;
    expect(() => compileFilterCriteria([{ Pattern: text }])).toThrow(/deeper than/);
  });

  it("does not let pattern keys reach Object.prototype", () => {
    const criteria = compileFilterCriteria([{ Pattern: '{"__proto__":{"constructor":[{"exists":true}]}}' }]);
    expect(criteria.matches({ body: "x" })).toBe(false);
    expect(compileFilterCriteria([{ toString: [{ exists: true }] }]).matches({})).toBe(false);
  });

  it("refuses nesting past the depth limit", () => {
    let pattern: Record<string, unknown> = { leaf: ["x"] };
    for (let depth = 0; depth < 40; depth++) pattern = { n: pattern };
    expect(() => compileFilterCriteria([pattern])).toThrow(/deeper than/);
  });
});
