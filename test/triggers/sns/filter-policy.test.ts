/**
 * SNS filter policies, checked against the examples of AWS's documentation
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html and its pages on attribute
 * and payload filtering, operators and constraints).
 */
import { describe, expect, it } from "vitest";
import { compileFilterPolicy, type FilteredMessage } from "../../../triggers/sns/filter-policy.js";
import { isSnsError } from "../../../triggers/sns/interfaces/sns-errors.js";

const attributes = (values: Record<string, [string, string]>): FilteredMessage => ({
  message: "hello",
  attributes: Object.fromEntries(
    Object.entries(values).map(([name, [DataType, StringValue]]) => [name, { DataType, StringValue }]),
  ),
});
const body = (value: unknown): FilteredMessage => ({ message: JSON.stringify(value), attributes: {} });
const policy = (value: unknown, scope?: "MessageAttributes" | "MessageBody") =>
  compileFilterPolicy(JSON.stringify(value), scope);

function refused(value: unknown, scope?: "MessageAttributes" | "MessageBody"): string {
  try {
    policy(value, scope);
  } catch (error) {
    expect(isSnsError(error, "InvalidParameter")).toBe(true);
    return (error as Error).message;
  }
  throw new Error("the policy was accepted");
}

describe("SNS filter policies on message attributes", () => {
  const docs = policy({
    store: ["example_corp"],
    event: [{ "anything-but": "order_cancelled" }],
    customer_interests: ["rugby", "football", "baseball"],
    price_usd: [{ numeric: [">=", 100] }],
  });
  const matching = {
    store: ["String", "example_corp"] as [string, string],
    event: ["String", "order_placed"] as [string, string],
    customer_interests: ["String.Array", '["soccer", "rugby", "hockey"]'] as [string, string],
    price_usd: ["Number", "210.75"] as [string, string],
  };

  it("matches AWS's example message: every key (AND), any value (OR), String.Array elements, Number", () => {
    expect(docs.matches(attributes(matching))).toBe(true);
    expect(docs.matches(attributes({ ...matching, event: ["String", "order_cancelled"] }))).toBe(false);
    expect(docs.matches(attributes({ ...matching, price_usd: ["Number", "99.99"] }))).toBe(false);
    expect(docs.matches(attributes({ ...matching, customer_interests: ["String.Array", '["chess"]'] }))).toBe(
      false,
    );
    const { store: _store, ...withoutStore } = matching;
    expect(docs.matches(attributes(withoutStore))).toBe(false);
  });

  it("prefix, suffix, equals-ignore-case, exists, anything-but lists and prefixes, cidr, $or", () => {
    expect(policy({ a: [{ prefix: "ord" }] }).matches(attributes({ a: ["String", "order"] }))).toBe(true);
    expect(policy({ a: [{ suffix: ".png" }] }).matches(attributes({ a: ["String", "x.jpg"] }))).toBe(false);
    expect(
      policy({ a: [{ "equals-ignore-case": "ORDER" }] }).matches(attributes({ a: ["String", "Order"] })),
    ).toBe(true);
    expect(policy({ a: [{ exists: false }] }).matches(attributes({}))).toBe(true);
    expect(policy({ a: [{ exists: false }] }).matches(attributes({ a: ["String", "x"] }))).toBe(false);
    expect(policy({ a: [{ exists: true }] }).matches(attributes({}))).toBe(false);
    expect(policy({ a: [{ "anything-but": ["x", "y"] }] }).matches(attributes({ a: ["String", "z"] }))).toBe(
      true,
    );
    expect(
      policy({ a: [{ "anything-but": { prefix: "in" } }] }).matches(
        attributes({ a: ["String", "internal"] }),
      ),
    ).toBe(false);
    expect(policy({ a: [{ "anything-but": "x" }] }).matches(attributes({}))).toBe(false);
    expect(
      policy({ ip: [{ cidr: "10.0.0.0/24" }] }).matches(attributes({ ip: ["String", "10.0.0.255"] })),
    ).toBe(true);
    expect(
      policy({ ip: [{ cidr: "10.0.0.0/24" }] }).matches(attributes({ ip: ["String", "10.0.1.1"] })),
    ).toBe(false);
    const or = policy({
      source: ["aws.cloudwatch"],
      $or: [{ metricName: ["CPUUtilization"] }, { namespace: ["AWS/EC2"] }],
    });
    expect(
      or.matches(attributes({ source: ["String", "aws.cloudwatch"], namespace: ["String", "AWS/EC2"] })),
    ).toBe(true);
    expect(
      or.matches(attributes({ source: ["String", "aws.cloudwatch"], namespace: ["String", "AWS/ES"] })),
    ).toBe(false);
  });

  it("numeric ranges and exact numbers only match numbers (a String attribute is not one)", () => {
    const range = policy({ price: [{ numeric: [">", 0, "<=", 150] }] });
    expect(range.matches(attributes({ price: ["Number", "150"] }))).toBe(true);
    expect(range.matches(attributes({ price: ["Number", "150.5"] }))).toBe(false);
    expect(range.matches(attributes({ price: ["String", "100"] }))).toBe(false);
    expect(policy({ n: [100] }).matches(attributes({ n: ["Number", "1.0e2"] }))).toBe(true);
  });

  it("never filters on Binary attributes", () => {
    expect(policy({ b: ["AAAA"] }).matches({ message: "m", attributes: { b: { DataType: "Binary" } } })).toBe(
      false,
    );
  });
});

describe("SNS filter policies on the message body (FilterPolicyScope MessageBody)", () => {
  const nested = policy(
    { customer: { tier: ["gold"], address: { country: [{ prefix: "F" }] } } },
    "MessageBody",
  );

  it("follows nested keys, and array values element by element", () => {
    expect(nested.matches(body({ customer: { tier: "gold", address: { country: "France" } } }))).toBe(true);
    expect(
      nested.matches(body({ customer: { tier: ["silver", "gold"], address: { country: "Finland" } } })),
    ).toBe(true);
    expect(nested.matches(body({ customer: { tier: "gold", address: { country: "Spain" } } }))).toBe(false);
    expect(nested.matches(body({ customer: { tier: "gold" } }))).toBe(false);
  });

  it("matches no message that is not a JSON object", () => {
    expect(nested.matches({ message: "plain text", attributes: {} })).toBe(false);
    expect(nested.matches({ message: "[1,2]", attributes: {} })).toBe(false);
  });
});

describe("SNS filter policy constraints", () => {
  it("refuses what SNS refuses, as InvalidParameter: FilterPolicy", () => {
    expect(refused({ a: ["1"], b: ["1"], c: ["1"], d: ["1"], e: ["1"], f: ["1"] })).toContain(
      "more than 5 keys",
    );
    const wide = Array.from({ length: 13 }, (_, i) => `v${i}`);
    expect(refused({ a: wide, b: wide })).toContain("too complex");
    expect(refused({ a: "not a list" })).toContain("FilterPolicy");
    expect(refused({ a: [{ nope: 1 }] })).toContain("Unrecognized match type nope");
    expect(refused({ a: [{ numeric: ["<", 1, ">", 5] }] })).toContain("numeric");
    expect(refused({ a: { b: ["x"] } })).toContain("nested keys are for FilterPolicyScope MessageBody");
    expect(refused({ a: [{ cidr: "10.0.0.0/99" }] })).toContain("cidr");
    expect(refused({})).toContain("empty");
    expect(() => compileFilterPolicy("{not json")).toThrow(/FilterPolicy/);
    expect(() => compileFilterPolicy("x".repeat(300_000))).toThrow(/too long/);
    let deep: unknown = ["x"];
    for (let i = 0; i < 50; i++) deep = { k: deep };
    expect(refused(deep, "MessageBody")).toContain("nested too deeply");
  });
});
