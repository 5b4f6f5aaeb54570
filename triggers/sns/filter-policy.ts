/**
 * SNS subscription filter policies (https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html
 * and its pages on attribute-based and payload-based filtering, and on the policy constraints): a JSON object
 * whose keys name message attributes (FilterPolicyScope `MessageAttributes`, the default) or, nested, the fields
 * of a JSON message body (`MessageBody`). Each key lists conditions — any of them may match (OR); every key must
 * match (AND); `$or` lists alternative policies. Conditions: a string or number (exact), `null` (body only),
 * `{prefix}`, `{suffix}`, `{equals-ignore-case}`, `{anything-but: value | [values] | {prefix} | {suffix}}`,
 * `{numeric: [op, n, (op, n)]}`, `{exists: bool}`, `{cidr: "10.0.0.0/24"}`.
 *
 * This is SNS's own syntax: Lambda's event filtering (runtime/event-filtering/) has other roots (`body`, `data`)
 * and knows nothing of SNS attribute types (String, String.Array, Number), so it is not reused.
 *
 * Limits (checked when a subscription is made, answered as InvalidParameter like SNS): at most 5 keys, at most
 * 150 combinations of values, 256 KB of JSON, nesting bounded.
 */
import { BlockList, isIP } from "node:net";
import { invalidParameter, type SnsError } from "./interfaces/sns-errors.js";

export type FilterPolicyScope = "MessageAttributes" | "MessageBody";

/** A message attribute as SNS takes it: DataType String, String.Array, Number or Binary. */
export interface PolicyAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
}

export interface FilteredMessage {
  readonly message: string;
  readonly attributes: Readonly<Record<string, PolicyAttribute>>;
}

export interface FilterPolicy {
  matches(message: FilteredMessage): boolean;
}

export const FILTER_POLICY_LIMITS = {
  maxKeys: 5,
  maxCombinations: 150,
  maxBytes: 256 * 1024,
  /** Nesting of MessageBody keys and `$or`: bounded so that a hostile policy cannot recurse deeply. */
  maxDepth: 8,
} as const;

type Condition = (value: unknown) => boolean;
/** A compiled key: its path, whether it demands absence/presence, and its conditions. */
interface KeyRule {
  readonly path: readonly string[];
  readonly conditions: readonly Condition[];
  /** `{exists: false}` alone matches a missing key; every other condition needs the key. */
  readonly matchesMissing: boolean;
}
/** A policy is OR over AND-branches of key rules (what `$or` expands to). */
type Branches = KeyRule[][];

const problem = (reason: string): SnsError => invalidParameter(`FilterPolicy: ${reason}`);

/** Parses and checks a policy; InvalidParameter as SNS answers it for a bad one. */
export function compileFilterPolicy(
  text: string,
  scope: FilterPolicyScope = "MessageAttributes",
): FilterPolicy {
  if (Buffer.byteLength(text, "utf8") > FILTER_POLICY_LIMITS.maxBytes)
    throw problem("Filter policy is too long");
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw problem("failed to parse JSON");
  }
  if (!isObject(policy)) throw problem("Filter policy must be a JSON object");
  const branches = compileBranches(policy, [], scope, 0);
  const keys = new Set(branches.flatMap((branch) => branch.map((rule) => rule.path.join("."))));
  if (keys.size > FILTER_POLICY_LIMITS.maxKeys) throw problem("Filter policy can not have more than 5 keys");
  const combinations = branches.reduce(
    (sum, branch) => sum + branch.reduce((product, rule) => product * Math.max(1, rule.conditions.length), 1),
    0,
  );
  if (combinations > FILTER_POLICY_LIMITS.maxCombinations) throw problem("Filter policy is too complex");
  return {
    matches(message) {
      const lookup =
        scope === "MessageBody" ? bodyLookup(message.message) : attributeLookup(message.attributes);
      if (lookup === undefined) return false;
      return branches.some((branch) => branch.every((rule) => ruleMatches(rule, lookup)));
    },
  };
}

/** The values at a path; `undefined` when the key is missing. Arrays are matched element by element. */
type Lookup = (path: readonly string[]) => unknown[] | undefined;

function ruleMatches(rule: KeyRule, lookup: Lookup): boolean {
  const values = lookup(rule.path);
  if (values === undefined) return rule.matchesMissing;
  return rule.conditions.some((condition) => values.some((value) => condition(value)));
}

/**
 * Attributes: a String is its text, a Number its number, a String.Array each of its JSON elements; Binary
 * attributes are not filtered on ("Amazon SNS does not support filtering on Binary attributes") and count as
 * present for `exists` only.
 */
function attributeLookup(attributes: Readonly<Record<string, PolicyAttribute>>): Lookup {
  return (path) => {
    const attribute = path.length === 1 ? attributes[path[0] as string] : undefined;
    if (attribute === undefined || !Object.hasOwn(attributes, path[0] as string)) return undefined;
    const text = attribute.StringValue ?? "";
    const type = attribute.DataType.split(".")[0];
    if (attribute.DataType.startsWith("String.Array")) {
      try {
        const parsed: unknown = JSON.parse(text);
        return Array.isArray(parsed) ? parsed : [text];
      } catch {
        return [text];
      }
    }
    if (type === "Number") return [Number(text)];
    if (type === "Binary") return [BINARY];
    return [text];
  };
}

const BINARY = Symbol("binary");

/** Body: the JSON message's fields; a message that is not a JSON object matches no MessageBody policy. */
function bodyLookup(message: string): Lookup | undefined {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!isObject(body)) return undefined;
  return (path) => {
    let current: unknown[] = [body];
    for (const key of path) {
      const next: unknown[] = [];
      for (const node of current) {
        for (const item of Array.isArray(node) ? node : [node]) {
          if (isObject(item) && Object.hasOwn(item, key)) next.push(item[key]);
        }
      }
      if (next.length === 0) return undefined;
      current = next;
    }
    return current.flatMap((value) => (Array.isArray(value) ? value : [value]));
  };
}

function compileBranches(
  policy: Record<string, unknown>,
  prefix: readonly string[],
  scope: FilterPolicyScope,
  depth: number,
): Branches {
  if (depth > FILTER_POLICY_LIMITS.maxDepth) throw problem("Filter policy is nested too deeply");
  const entries = Object.entries(policy);
  if (entries.length === 0 && depth === 0) throw problem("Filter policy can not be empty");
  let branches: Branches = [[]];
  for (const [key, value] of entries) {
    let options: Branches;
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        throw problem("$or must be an array of at least two JSON objects");
      }
      options = value.flatMap((alternative) => compileBranches(alternative, prefix, scope, depth + 1));
    } else if (Array.isArray(value)) {
      options = [[keyRule([...prefix, key], value)]];
    } else if (isObject(value)) {
      if (scope !== "MessageBody") {
        throw problem(`"${key}" must be an array: nested keys are for FilterPolicyScope MessageBody`);
      }
      options = compileBranches(value, [...prefix, key], scope, depth + 1);
    } else {
      throw problem(`"${key}" must be an array of values`);
    }
    branches = branches.flatMap((branch) => options.map((option) => [...branch, ...option]));
    if (branches.length > FILTER_POLICY_LIMITS.maxCombinations) throw problem("Filter policy is too complex");
  }
  return branches;
}

function keyRule(path: readonly string[], values: readonly unknown[]): KeyRule {
  if (values.length === 0) throw problem(`"${path.join(".")}" must list at least one value`);
  const conditions = values.map((value) => condition(value, path.join(".")));
  const existsFalse = values.some((value) => isObject(value) && value.exists === false);
  return { path, conditions, matchesMissing: existsFalse };
}

function condition(value: unknown, key: string): Condition {
  if (typeof value === "string") return (actual) => actual === value;
  if (typeof value === "number") return numberEquals(value);
  if (value === null) return (actual) => actual === null;
  if (typeof value === "boolean") return (actual) => actual === value;
  if (!isObject(value)) throw problem(`"${key}" has a value that is not a string, number or operator`);
  const operators = Object.keys(value);
  if (operators.length !== 1) throw problem(`"${key}": an operator object has exactly one operator`);
  const operator = operators[0] as string;
  const operand = value[operator];
  switch (operator) {
    case "prefix":
      return stringOperand(
        operand,
        key,
        operator,
        (text) => (actual) => typeof actual === "string" && actual.startsWith(text),
      );
    case "suffix":
      return stringOperand(
        operand,
        key,
        operator,
        (text) => (actual) => typeof actual === "string" && actual.endsWith(text),
      );
    case "equals-ignore-case":
      return stringOperand(
        operand,
        key,
        operator,
        (text) => (actual) => typeof actual === "string" && actual.toLowerCase() === text.toLowerCase(),
      );
    case "exists":
      if (typeof operand !== "boolean") throw problem(`"${key}": exists must be true or false`);
      // Present: `exists: true` matches; `exists: false` only matches a missing key (ruleMatches).
      return () => operand;
    case "numeric":
      return numeric(operand, key);
    case "anything-but":
      return anythingBut(operand, key);
    case "cidr":
      return cidr(operand, key);
    default:
      throw problem(`Unrecognized match type ${operator}`);
  }
}

function stringOperand(
  operand: unknown,
  key: string,
  operator: string,
  make: (text: string) => Condition,
): Condition {
  if (typeof operand !== "string") throw problem(`"${key}": ${operator} must be a string`);
  return make(operand);
}

function numberEquals(expected: number): Condition {
  return (actual) => typeof actual === "number" && Number.isFinite(actual) && actual === expected;
}

const COMPARISONS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  "=": (a, b) => a === b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

/** `[">", 0, "<=", 150]`: one comparison, or a lower then an upper bound. Numbers within ±1e9 (SNS's range). */
function numeric(operand: unknown, key: string): Condition {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw problem(`"${key}": numeric must be [operator, value] or [operator, value, operator, value]`);
  }
  const tests: ((actual: number) => boolean)[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const bound = operand[i + 1];
    const compare = typeof op === "string" ? COMPARISONS[op] : undefined;
    if (!compare || typeof bound !== "number" || Math.abs(bound) > 1e9) {
      throw problem(`"${key}": numeric has a bad operator or a value out of range`);
    }
    if (operand.length === 4 && (op === "=" || (i === 0 ? !op.startsWith(">") : !op.startsWith("<")))) {
      throw problem(`"${key}": a numeric range is a lower bound (> or >=) then an upper bound (< or <=)`);
    }
    tests.push((actual) => compare(actual, bound));
  }
  return (actual) =>
    typeof actual === "number" && Number.isFinite(actual) && tests.every((test) => test(actual));
}

function anythingBut(operand: unknown, key: string): Condition {
  if (isObject(operand)) {
    const inner = condition(operand, key);
    return (actual) => typeof actual === "string" && !inner(actual);
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  if (
    excluded.length === 0 ||
    !excluded.every((item) => typeof item === "string" || typeof item === "number")
  ) {
    throw problem(`"${key}": anything-but takes a string, a number, a list of them, or {prefix}/{suffix}`);
  }
  return (actual) =>
    (typeof actual === "string" || typeof actual === "number") && !excluded.some((item) => item === actual);
}

/** IPv4 and IPv6 prefixes, matched with node:net's BlockList. */
function cidr(operand: unknown, key: string): Condition {
  const match = typeof operand === "string" ? /^([^/]+)\/(\d{1,3})$/.exec(operand) : null;
  const family = match ? isIP(match[1] as string) : 0;
  const bits = match ? Number(match[2]) : -1;
  if (!match || family === 0 || bits > (family === 4 ? 32 : 128)) {
    throw problem(`"${key}": cidr must be an IP prefix such as 10.0.0.0/24`);
  }
  const type = family === 4 ? "ipv4" : "ipv6";
  const list = new BlockList();
  list.addSubnet(match[1] as string, bits, type);
  return (actual) => typeof actual === "string" && isIP(actual) === family && list.check(actual, type);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
