/**
 * Lambda's event filtering (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html): an
 * event source mapping's `filterPatterns` decide which records reach the function. A record passes when it
 * matches ANY of the patterns (OR across filters); a pattern matches when EVERY key in it matches (AND across
 * keys); a key's list of values matches when ANY value matches (OR within a key); and when the record holds an
 * array there, any element may match (EventBridge's semantics, which Lambda's filters share).
 *
 * The operators are the ones Lambda's comparison-operator table lists (the "Pipes" column of EventBridge's
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html): a literal string,
 * number, boolean or null; `""` (empty); `prefix` and `suffix` (also with `equals-ignore-case`);
 * `equals-ignore-case`; `anything-but` (a value or a list of values); `numeric` (comparisons and ranges);
 * `exists`; and `$or`. EventBridge-only ones (`wildcard`, `cidr`, `anything-but` with `prefix`/`suffix`) are
 * refused when the manifest loads, as CreateEventSourceMapping refuses them, rather than silently never
 * matching.
 *
 * Limits: Lambda takes at most 5 filters per mapping by default (a quota AWS can raise to 10 on request:
 * `maxFilters` raises it here, never past 10) and 4096 characters per pattern
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). The characters bound the number of
 * values, and the nesting is bounded too, so a hostile manifest cannot make matching cost more than a few
 * thousand comparisons per record.
 */

/** Lambda's default quota: 5 filters per event source mapping. */
export const DEFAULT_MAX_FILTERS = 5;
/** The most Lambda grants with a quota increase. */
export const MAX_FILTERS = 10;
/** Lambda: "the maximum length of a filter pattern is 4096 characters". */
export const MAX_PATTERN_CHARACTERS = 4096;
const MAX_DEPTH = 16;

export class FilterPatternError extends Error {
  override readonly name = "FilterPatternError";
  /**
   * @param filterIndex which filter of the list (0-based) is wrong, so that a manifest error can point at
   *   `filterPatterns[i]`; undefined when the list itself is (not a list, too many filters).
   */
  constructor(
    message: string,
    readonly filterIndex?: number,
  ) {
    super(message);
  }
}

export interface FilterCriteria {
  /** The number of filters: 0 means "no filtering", every record passes. */
  readonly size: number;
  /** Whether the record passes (with no filter, every record does). */
  matches(record: unknown): boolean;
  /** The top-level keys the patterns look at, e.g. `body` or `data`: a source needs them to choose its view. */
  readonly keys: ReadonlySet<string>;
}

type Matcher = (value: unknown, present: boolean) => boolean;

/** A compiled pattern: a predicate over the object found at its level. */
type PatternTest = (node: unknown) => boolean;

/**
 * Compiles `filterPatterns` as serverless.yml writes them (objects: `- body: { status: [paid] }`) or as the
 * Lambda API takes them (`{ Pattern: "<JSON text>" }`, also inside a whole `{ Filters: [...] }` FilterCriteria). Throws FilterPatternError naming the filter and the
 * problem.
 */
export function compileFilterCriteria(
  patterns: unknown,
  options: { readonly maxFilters?: number } = {},
): FilterCriteria {
  const maxFilters = Math.min(options.maxFilters ?? DEFAULT_MAX_FILTERS, MAX_FILTERS);
  if (patterns === undefined || patterns === null) return noFiltering();
  // CloudFormation's and the Lambda API's FilterCriteria object: { Filters: [ { Pattern: "…" } ] }.
  if (isObject(patterns) && Object.keys(patterns).length === 1 && Array.isArray(patterns.Filters))
    return compileFilterCriteria(patterns.Filters, options);
  if (!Array.isArray(patterns)) throw new FilterPatternError("filterPatterns must be a list of patterns");
  if (patterns.length > maxFilters) {
    throw new FilterPatternError(
      `has ${patterns.length} filters: Lambda takes at most ${maxFilters} per event source mapping (5 by default, 10 with a quota increase)`,
    );
  }
  const keys = new Set<string>();
  const tests = patterns.map((written, index) => {
    const pattern = patternObject(written, index);
    for (const key of Object.keys(pattern)) if (key !== "$or") keys.add(key);
    for (const alternative of asArray(pattern.$or)) {
      if (isObject(alternative)) for (const key of Object.keys(alternative)) keys.add(key);
    }
    try {
      return compileObject(pattern, 1);
    } catch (error) {
      if (error instanceof FilterPatternError)
        throw new FilterPatternError(`filter ${index + 1}: ${error.message}`, index);
      throw error;
    }
  });
  return {
    size: tests.length,
    keys,
    matches: (record) => tests.length === 0 || tests.some((test) => test(record)),
  };
}

function noFiltering(): FilterCriteria {
  return { size: 0, keys: new Set(), matches: () => true };
}

function patternObject(written: unknown, index: number): Record<string, unknown> {
  let pattern = written;
  if (isObject(written) && Object.keys(written).length === 1 && typeof written.Pattern === "string") {
    if (written.Pattern.length > MAX_PATTERN_CHARACTERS)
      throw new FilterPatternError(
        `filter ${index + 1} is ${written.Pattern.length} characters, over Lambda's ${MAX_PATTERN_CHARACTERS}`,
        index,
      );
    try {
      pattern = JSON.parse(written.Pattern);
    } catch (error) {
      throw new FilterPatternError(
        `filter ${index + 1}'s Pattern is not JSON (${(error as Error).message})`,
        index,
      );
    }
  }
  if (isObject(written) && Object.keys(written).length === 1 && "Pattern" in written && pattern === written) {
    throw new FilterPatternError(
      `filter ${index + 1}'s Pattern must be the pattern as JSON text, e.g. { Pattern: '{"body":{"status":["paid"]}}' }`,
      index,
    );
  }
  if (!isObject(pattern) || Object.keys(pattern).length === 0) {
    throw new FilterPatternError(
      `filter ${index + 1} must be a non-empty object of keys to lists of values, e.g. { body: { status: [paid] } }`,
      index,
    );
  }
  let length: number;
  try {
    length = JSON.stringify(pattern).length;
  } catch {
    // A cycle (a YAML alias inside itself) or nesting deep enough to exhaust the stack: not a pattern.
    throw new FilterPatternError(
      `filter ${index + 1} is not a JSON pattern (cyclic or too deeply nested)`,
      index,
    );
  }
  if (length > MAX_PATTERN_CHARACTERS) {
    throw new FilterPatternError(
      `filter ${index + 1} is ${length} characters as JSON, over Lambda's ${MAX_PATTERN_CHARACTERS}`,
      index,
    );
  }
  return pattern;
}

function compileObject(pattern: Record<string, unknown>, depth: number): PatternTest {
  if (depth > MAX_DEPTH) throw new FilterPatternError(`nests deeper than ${MAX_DEPTH} levels`);
  const tests: PatternTest[] = [];
  for (const [key, value] of Object.entries(pattern)) {
    if (key === "$or") {
      tests.push(compileOr(value, depth));
      continue;
    }
    tests.push(compileKey(key, value, depth));
  }
  return (node) => tests.every((test) => test(node));
}

function compileOr(value: unknown, depth: number): PatternTest {
  if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
    throw new FilterPatternError("$or must be a list of at least two patterns");
  }
  const alternatives = value.map((alternative) => compileObject(alternative, depth + 1));
  return (node) => alternatives.some((test) => test(node));
}

function compileKey(key: string, value: unknown, depth: number): PatternTest {
  if (isObject(value)) {
    const nested = compileObject(value, depth + 1);
    return (node) => {
      // Own properties only: a pattern key `__proto__` or `constructor` must not reach Object.prototype.
      const child = isObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;
      // A nested pattern over an array of objects matches when any element does.
      if (Array.isArray(child)) return child.some((element) => isObject(element) && nested(element));
      return isObject(child) && nested(child);
    };
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new FilterPatternError(
      `${key} must be a non-empty list of values (e.g. ${key}: [ "A" ]) or a nested pattern`,
    );
  }
  const matchers = value.map((item) => compileValue(key, item));
  return (node) => {
    const present = isObject(node) && Object.hasOwn(node, key);
    const found = present ? (node as Record<string, unknown>)[key] : undefined;
    // An empty array holds no value: as in EventBridge's matching of flattened leaves, the key is then absent.
    if (Array.isArray(found) && found.length === 0)
      return matchers.some((matcher) => matcher(undefined, false));
    const candidates = Array.isArray(found) ? found : [found];
    // `exists` looks at presence, the others at the value (or any element of an array).
    return matchers.some((matcher) => candidates.some((v) => matcher(v, present)));
  };
}

function compileValue(key: string, item: unknown): Matcher {
  if (item === null) return (value, present) => present && value === null;
  if (typeof item === "string") return (value, present) => present && value === item;
  if (typeof item === "number") {
    if (!Number.isFinite(item))
      throw new FilterPatternError(`${key}: ${item} is not a number JSON can carry`);
    return (value, present) => present && typeof value === "number" && value === item;
  }
  if (typeof item === "boolean") return (value, present) => present && value === item;
  if (!isObject(item) || Object.keys(item).length !== 1) {
    throw new FilterPatternError(
      `${key}: ${JSON.stringify(item)} is neither a value nor one operator ({ prefix: … }, { numeric: […] }, …)`,
    );
  }
  const [operator, operand] = Object.entries(item)[0] as [string, unknown];
  switch (operator) {
    case "prefix":
      return affix(key, "prefix", operand, (text, affixText) => text.startsWith(affixText));
    case "suffix":
      return affix(key, "suffix", operand, (text, affixText) => text.endsWith(affixText));
    case "equals-ignore-case": {
      const expected = requireString(key, operator, operand).toLowerCase();
      return (value, present) => present && typeof value === "string" && value.toLowerCase() === expected;
    }
    case "anything-but":
      return anythingBut(key, operand);
    case "numeric":
      return numeric(key, operand);
    case "exists":
      if (typeof operand !== "boolean") throw new FilterPatternError(`${key}: exists takes true or false`);
      // EventBridge: exists matches leaf values only — an object or array at that key does not "exist".
      return operand ? (value, present) => present && !isObject(value) : (_value, present) => !present;
    case "wildcard":
    case "cidr":
      throw new FilterPatternError(
        `${key}: the ${operator} operator is EventBridge's; Lambda's event filtering does not support it`,
      );
    default:
      throw new FilterPatternError(`${key}: ${operator} is not an operator Lambda's event filtering knows`);
  }
}

function affix(
  key: string,
  name: string,
  operand: unknown,
  test: (text: string, affix: string) => boolean,
): Matcher {
  if (isObject(operand) && Object.keys(operand).length === 1 && "equals-ignore-case" in operand) {
    const expected = requireString(
      key,
      `${name} equals-ignore-case`,
      operand["equals-ignore-case"],
    ).toLowerCase();
    return (value, present) => present && typeof value === "string" && test(value.toLowerCase(), expected);
  }
  const expected = requireString(key, name, operand);
  return (value, present) => present && typeof value === "string" && test(value, expected);
}

function anythingBut(key: string, operand: unknown): Matcher {
  const values = Array.isArray(operand) ? operand : [operand];
  if (values.length === 0 || !values.every((v) => typeof v === "string" || typeof v === "number")) {
    throw new FilterPatternError(
      `${key}: anything-but takes a string, a number or a list of them (Lambda does not support anything-but with prefix, suffix or wildcard)`,
    );
  }
  const excluded = new Set<unknown>(values);
  // A missing key is not "anything but X": there is no value to compare (EventBridge's semantics).
  return (value, present) =>
    present && (typeof value === "string" || typeof value === "number") && !excluded.has(value);
}

const NUMERIC_OPERATORS = new Set(["=", "<", "<=", ">", ">="]);

function numeric(key: string, operand: unknown): Matcher {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) {
    throw new FilterPatternError(
      `${key}: numeric takes one or two comparisons, e.g. [ ">", 0, "<=", 5 ] or [ "=", 100 ]`,
    );
  }
  const comparisons: ((n: number) => boolean)[] = [];
  for (let index = 0; index < operand.length; index += 2) {
    const operator = operand[index];
    const bound = operand[index + 1];
    if (typeof operator !== "string" || !NUMERIC_OPERATORS.has(operator) || typeof bound !== "number") {
      throw new FilterPatternError(
        `${key}: numeric comparisons are one of = < <= > >= followed by a number, not ${JSON.stringify([operator, bound])}`,
      );
    }
    if (operator === "=" && operand.length > 2)
      throw new FilterPatternError(`${key}: numeric "=" stands alone, it is not part of a range`);
    if (!Number.isFinite(bound))
      throw new FilterPatternError(`${key}: ${bound} is not a number JSON can carry`);
    comparisons.push(comparison(operator, bound));
  }
  // A range is one lower bound and one upper bound (EventBridge's numeric matching): [">", 0, "<=", 5].
  if (operand.length === 4) {
    const lower = (operator: unknown) => operator === ">" || operator === ">=";
    if (lower(operand[0]) === lower(operand[2])) {
      throw new FilterPatternError(
        `${key}: a numeric range is one lower bound (> or >=) and one upper bound (< or <=), e.g. [ ">", 0, "<=", 5 ]`,
      );
    }
  }
  return (value, present) =>
    present && typeof value === "number" && comparisons.every((compare) => compare(value));
}

function comparison(operator: string, bound: number): (n: number) => boolean {
  switch (operator) {
    case "=":
      return (n) => n === bound;
    case "<":
      return (n) => n < bound;
    case "<=":
      return (n) => n <= bound;
    case ">":
      return (n) => n > bound;
    default:
      return (n) => n >= bound;
  }
}

function requireString(key: string, operator: string, operand: unknown): string {
  if (typeof operand !== "string") throw new FilterPatternError(`${key}: ${operator} takes a string`);
  return operand;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
