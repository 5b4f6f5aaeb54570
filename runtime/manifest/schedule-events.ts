/**
 * Turns one `schedule` event of serverless.yml into the rules the Serverless Framework would deploy for it
 * (lib/plugins/aws/package/compile/events/schedule.js), validated as the Framework's schema and AWS would:
 * - `schedule: rate(10 minutes)` — one enabled rule whose target receives the Scheduled Event;
 * - `schedule: {rate, enabled, name, description, input, inputPath, inputTransformer, method, roleArn, timezone}` —
 *   `rate` is one expression or a list of them, one rule each; `name` only with a single expression.
 * Rules are numbered across the function's schedule events from 1, as the Framework numbers their logical ids
 * (`<Function>EventsRuleSchedule<n>`, `<Function>SchedulerSchedule<n>` for `method: scheduler`).
 * https://www.serverless.com/framework/docs/providers/aws/events/schedule
 */
import { createHash } from "node:crypto";
import { normalizedFunctionName } from "./cloudformation-resources.js";
import { parseEventJsonPath } from "./event-json-path.js";
import { LOCAL_ACCOUNT_ID, localArn } from "./local-account.js";
import { describeValue, formatKeyPath, type KeyPath, ManifestError } from "./manifest-error.js";
import { parseScheduleExpression, ScheduleExpressionError } from "./schedule-expression.js";
import type { ScheduleMethod, ScheduleRule, ScheduleTarget } from "./schedule-rule.js";
import { isMapping } from "./variable-resolver.js";

export interface ScheduleEventContext {
  readonly file: string;
  readonly stackName: string;
  readonly region: string;
  readonly functionKey: string;
  readonly functionName: string;
}

const SETTINGS = new Set([
  "rate",
  "enabled",
  "name",
  "description",
  "input",
  "inputPath",
  "inputTransformer",
  "method",
  "roleArn",
  "timezone",
]);
/** EventBridge's limits on a rule and its target (PutRule, PutTargets), which the Framework's schema repeats. */
const NAME_PATTERN = /^[.\-_A-Za-z0-9]{1,64}$/;
const MAX_NAME = 64;
const MAX_DESCRIPTION = 512;
const MAX_INPUT = 8192;
const MAX_INPUT_PATH = 256;
const MAX_TEMPLATE = 8192;
const MAX_INPUT_PATHS = 100;
const VARIABLE_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * The rules of the `schedule` event at `path` (…events[i].schedule), numbered from `firstNumber`.
 * @throws ManifestError (LKN_ERR_MANIFEST_SCHEDULE) naming the key path of what is wrong.
 */
export function scheduleRules(
  value: unknown,
  path: KeyPath,
  context: ScheduleEventContext,
  firstNumber: number,
): ScheduleRule[] {
  const fail = (at: KeyPath, problem: string, fix: string): never => {
    throw new ManifestError(context.file, at, problem, fix, "LKN_ERR_MANIFEST_SCHEDULE");
  };
  if (typeof value === "string") {
    return [rule(context, expression(value, path, fail), path, firstNumber, defaults())];
  }
  if (!isMapping(value)) {
    return fail(
      path,
      `must be a schedule expression or a mapping of settings, not ${describeValue(value)}`,
      "Write e.g. - schedule: rate(10 minutes), or - schedule: { rate: cron(0 12 * * ? *), enabled: false }",
    );
  }
  for (const key of Object.keys(value)) {
    if (!SETTINGS.has(key)) {
      fail(
        [...path, key],
        `is not a setting of a schedule event`,
        `Use ${[...SETTINGS].join(", ")}; the expression goes in rate`,
      );
    }
  }
  const at = (key: string): KeyPath => [...path, key];
  const rates = value.rate;
  const expressions: { text: string; path: KeyPath }[] = [];
  if (typeof rates === "string") expressions.push({ text: rates, path: at("rate") });
  else if (Array.isArray(rates) && rates.length > 0) {
    rates.forEach((text, index) => {
      const ratePath = [...at("rate"), index];
      if (typeof text !== "string") {
        fail(
          ratePath,
          `must be a schedule expression, not ${describeValue(text)}`,
          "Write e.g. rate(5 minutes)",
        );
      }
      expressions.push({ text: text as string, path: ratePath });
    });
  } else {
    fail(
      at("rate"),
      rates === undefined
        ? "is missing"
        : `must be a schedule expression or a list of them, not ${describeValue(rates)}`,
      "Write e.g. rate: rate(10 minutes), or a list: rate: [cron(0 8 ? * MON-FRI *), cron(0 10 ? * SAT-SUN *)]",
    );
  }

  const enabled = value.enabled ?? true;
  if (typeof enabled !== "boolean")
    fail(
      at("enabled"),
      `must be true or false, not ${describeValue(enabled)}`,
      "Write enabled: false to keep the rule disabled",
    );

  const name = value.name;
  if (name !== undefined) {
    if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
      fail(
        at("name"),
        `must be a rule name of 1 to ${MAX_NAME} letters, digits, dots, dashes or underscores, not ${describeValue(name)}`,
        "Write e.g. name: nightly-report",
      );
    }
    if (expressions.length > 1) {
      fail(
        at("name"),
        `names one rule, but rate holds ${expressions.length} expressions (the Serverless Framework refuses this: SCHEDULE_NAME_NOT_ALLOWED_MULTIPLE_RATES)`,
        "Remove name, or write one schedule event per expression, each with its own name",
      );
    }
  }
  const description = value.description;
  if (
    description !== undefined &&
    (typeof description !== "string" || description.length > MAX_DESCRIPTION)
  ) {
    fail(at("description"), `must be a text of at most ${MAX_DESCRIPTION} characters`, "Shorten it");
  }
  const method = value.method ?? "eventBus";
  if (method !== "eventBus" && method !== "scheduler") {
    fail(
      at("method"),
      `must be eventBus or scheduler, not ${describeValue(method)}`,
      "Remove it to use an EventBridge rule (eventBus)",
    );
  }
  const timezone = value.timezone;
  if (timezone !== undefined) {
    if (method !== "scheduler") {
      fail(
        at("timezone"),
        "is only supported with method: scheduler (the Serverless Framework refuses it otherwise)",
        "Add method: scheduler, or remove timezone: EventBridge rules run in UTC",
      );
    }
    if (typeof timezone !== "string" || !isTimeZone(timezone)) {
      fail(
        at("timezone"),
        `must be an IANA time zone, not ${describeValue(timezone)}`,
        "Write e.g. timezone: Europe/Berlin",
      );
    }
  }
  const target = scheduleTarget(value, method as ScheduleMethod, at, fail);
  const settings: RuleSettings = {
    enabled: enabled as boolean,
    name: name as string | undefined,
    description: description as string | undefined,
    method: method as ScheduleMethod,
    timezone: (timezone as string | undefined) ?? "UTC",
    target,
  };
  return expressions.map((entry, index) =>
    rule(context, expression(entry.text, entry.path, fail), entry.path, firstNumber + index, settings),
  );
}

interface RuleSettings {
  readonly enabled: boolean;
  readonly name: string | undefined;
  readonly description: string | undefined;
  readonly method: ScheduleMethod;
  readonly timezone: string;
  readonly target: ScheduleTarget;
}

function defaults(): RuleSettings {
  return {
    enabled: true,
    name: undefined,
    description: undefined,
    method: "eventBus",
    timezone: "UTC",
    target: { kind: "event" },
  };
}

type Fail = (at: KeyPath, problem: string, fix: string) => never;

function expression(text: string, path: KeyPath, fail: Fail) {
  try {
    return parseScheduleExpression(text);
  } catch (error) {
    if (!(error instanceof ScheduleExpressionError)) throw error;
    return fail(path, error.problem, error.fix);
  }
}

function rule(
  context: ScheduleEventContext,
  expression: ReturnType<typeof parseScheduleExpression>,
  path: KeyPath,
  number: number,
  settings: RuleSettings,
): ScheduleRule {
  const scheduler = settings.method === "scheduler";
  const logicalId = `${normalizedFunctionName(context.functionKey)}${scheduler ? "SchedulerSchedule" : "EventsRuleSchedule"}${number}`;
  const name = settings.name ?? generatedName(context.stackName, logicalId);
  return {
    name,
    arn: scheduler
      ? localArn("scheduler", context.region, `schedule/default/${name}`)
      : localArn("events", context.region, `rule/${name}`),
    expression,
    enabled: settings.enabled,
    description: settings.description,
    method: settings.method,
    timezone: settings.timezone,
    target: settings.target,
    region: context.region,
    account: LOCAL_ACCOUNT_ID,
    functionName: context.functionName,
    keyPath: formatKeyPath(path),
  };
}

/**
 * CloudFormation names an unnamed rule `<stack>-<LogicalId>-<RANDOM>`; Lambkin drops the random suffix (as for the
 * other resources it names) so that the rule keeps its name from one start to the next. A name past EventBridge's
 * 64 characters keeps its start and ends with a hash of the whole, so that two long names stay distinct.
 */
function generatedName(stackName: string, logicalId: string): string {
  const full = `${stackName}-${logicalId}`.replace(/[^.\-_A-Za-z0-9]/g, "-");
  if (full.length <= MAX_NAME) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, MAX_NAME - hash.length - 1)}-${hash}`;
}

function scheduleTarget(
  value: Record<string, unknown>,
  method: ScheduleMethod,
  at: (key: string) => KeyPath,
  fail: Fail,
): ScheduleTarget {
  const given = (["input", "inputPath", "inputTransformer"] as const).filter(
    (key) => value[key] !== undefined,
  );
  if (given.length > 1) {
    fail(
      at(given[1] as string),
      `cannot be combined with ${given[0]}: an EventBridge target takes one of input, inputPath and inputTransformer`,
      "Keep one of them",
    );
  }
  if (method === "scheduler" && (given[0] === "inputPath" || given[0] === "inputTransformer")) {
    fail(
      at(given[0]),
      "is not supported with method: scheduler (EventBridge Scheduler passes a constant input only)",
      "Use input, or remove method: scheduler",
    );
  }
  if (value.input !== undefined) return { kind: "input", json: inputJson(value.input, at("input"), fail) };
  if (value.inputPath !== undefined) {
    const path = value.inputPath;
    if (typeof path !== "string" || path.length > MAX_INPUT_PATH) {
      fail(
        at("inputPath"),
        `must be a JSONPath of at most ${MAX_INPUT_PATH} characters`,
        "Write e.g. inputPath: '$.detail'",
      );
    }
    checkJsonPath(path as string, at("inputPath"), fail);
    return { kind: "inputPath", path: path as string };
  }
  if (value.inputTransformer !== undefined)
    return inputTransformer(value.inputTransformer, at("inputTransformer"), fail);
  return { kind: "event" };
}

/**
 * The Framework sends a mapping as its JSON (a string `body` parsed first, so that it arrives as JSON, not as a
 * string), and a string as it is: EventBridge requires it to be valid JSON text.
 */
function inputJson(input: unknown, path: KeyPath, fail: Fail): string {
  let json: string;
  if (typeof input === "string") {
    try {
      JSON.parse(input);
    } catch {
      fail(
        path,
        "must be valid JSON text when written as a string (EventBridge refuses any other)",
        `Write it as a mapping instead, or quote it as JSON, e.g. input: '{"key": "value"}'`,
      );
    }
    json = input;
  } else if (isMapping(input)) {
    let object: Record<string, unknown> = input;
    if (typeof input.body === "string") {
      if (Object.keys(input).length > 1) {
        fail(
          path,
          "has body and other keys; with a string body, body is the only key",
          "Put the other keys inside body's JSON",
        );
      }
      try {
        object = { body: JSON.parse(input.body) };
      } catch {
        fail(
          [...path, "body"],
          "must be valid JSON text (the Serverless Framework parses it)",
          `Write e.g. body: '{"key": "value"}'`,
        );
      }
    }
    json = JSON.stringify(object);
  } else {
    return fail(
      path,
      `must be a mapping or a JSON text, not ${describeValue(input)}`,
      "Write e.g. input: { key1: value1 }",
    );
  }
  if (json.length > MAX_INPUT)
    fail(
      path,
      `is longer than ${MAX_INPUT} characters of JSON, EventBridge's limit`,
      "Send less, or let the function fetch it",
    );
  return json;
}

function inputTransformer(value: unknown, path: KeyPath, fail: Fail): ScheduleTarget {
  const example =
    "Write e.g. inputTransformer: { inputPathsMap: { eventTime: '$.time' }, inputTemplate: '{\"time\": <eventTime>}' }";
  if (!isMapping(value)) return fail(path, `must be a mapping, not ${describeValue(value)}`, example);
  for (const key of Object.keys(value)) {
    if (key !== "inputPathsMap" && key !== "inputTemplate")
      fail([...path, key], "is not a setting of inputTransformer", "Use inputPathsMap and inputTemplate");
  }
  const template = value.inputTemplate;
  if (typeof template !== "string" || template.length === 0 || template.length > MAX_TEMPLATE) {
    fail(
      [...path, "inputTemplate"],
      `must be a text of 1 to ${MAX_TEMPLATE} characters, not ${describeValue(template)}`,
      example,
    );
  }
  const map = value.inputPathsMap ?? {};
  const mapPath = [...path, "inputPathsMap"];
  if (!isMapping(map))
    return fail(
      mapPath,
      `must be a mapping of variable names to JSONPaths, not ${describeValue(map)}`,
      example,
    );
  const entries = Object.entries(map);
  if (entries.length > MAX_INPUT_PATHS)
    fail(
      mapPath,
      `defines ${entries.length} variables; EventBridge allows ${MAX_INPUT_PATHS}`,
      "Define fewer variables",
    );
  const inputPathsMap: Record<string, string> = {};
  for (const [name, jsonPath] of entries) {
    const entryPath = [...mapPath, name];
    if (!VARIABLE_NAME.test(name) || name.startsWith("aws.events")) {
      fail(
        entryPath,
        "is not a variable name EventBridge accepts (letters, digits, _ and -; aws.events.* are reserved)",
        "Rename it, e.g. eventTime",
      );
    }
    if (typeof jsonPath !== "string")
      fail(entryPath, `must be a JSONPath, not ${describeValue(jsonPath)}`, "Write e.g. '$.time'");
    checkJsonPath(jsonPath as string, entryPath, fail);
    inputPathsMap[name] = jsonPath as string;
  }
  return { kind: "inputTransformer", inputPathsMap, inputTemplate: template as string };
}

function checkJsonPath(path: string, at: KeyPath, fail: Fail): void {
  const parsed = parseEventJsonPath(path);
  if (typeof parsed === "string") {
    fail(
      at,
      `${parsed}: EventBridge evaluates $, dot notation, array indices and wildcards only`,
      "Write e.g. '$.detail' or '$.resources[0]'",
    );
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
