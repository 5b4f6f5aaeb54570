/**
 * `schedule` events of serverless.yml become the rules the Serverless Framework deploys — one per expression,
 * numbered across the function, named `<stack>-<Function>EventsRuleSchedule<n>` unless `name` is set — and any
 * shape or expression AWS or the Framework would refuse is a manifest error naming the key path and the fix.
 * https://www.serverless.com/framework/docs/providers/aws/events/schedule
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManifestError } from "../../../runtime/manifest/manifest-error.js";
import { load } from "./manifest-fixtures.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function service(events: string, provider = ""): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lambkin-schedules-"));
  dirs.push(dir);
  await writeFile(
    join(dir, "serverless.yml"),
    `service: reports\nprovider:\n  name: aws\n  region: eu-west-1\n${provider}functions:\n  nightly-report:\n    handler: handler.run\n    events:\n${events}`,
  );
  await writeFile(join(dir, "handler.js"), "exports.run = async () => 'ok';\n");
  return dir;
}

async function rules(events: string, provider = "") {
  const { functions, warnings } = await load(await service(events, provider));
  return { rules: functions[0]?.schedules ?? [], warnings };
}

async function refusal(events: string): Promise<ManifestError> {
  const dir = await service(events);
  try {
    await load(dir);
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error("expected a ManifestError");
}

describe("schedule events as rules", () => {
  it("makes one enabled rule per expression, numbered across the function as the Framework names them", async () => {
    const { rules: list, warnings } = await rules(
      [
        "      - schedule: rate(2 hours)",
        "      - http: GET /report",
        "      - schedule:",
        "          rate:",
        "            - cron(0 0/4 ? * MON-FRI *)",
        "            - cron(0 2 ? * SAT-SUN *)",
        "          input:",
        "            key1: value1",
        "",
      ].join("\n"),
    );
    expect(list.map((rule) => [rule.name, rule.expression.text, rule.keyPath])).toEqual([
      [
        "reports-dev-NightlyDashreportEventsRuleSchedule1",
        "rate(2 hours)",
        "functions.nightly-report.events[0].schedule",
      ],
      [
        "reports-dev-NightlyDashreportEventsRuleSchedule2",
        "cron(0 0/4 ? * MON-FRI *)",
        "functions.nightly-report.events[2].schedule.rate[0]",
      ],
      [
        "reports-dev-NightlyDashreportEventsRuleSchedule3",
        "cron(0 2 ? * SAT-SUN *)",
        "functions.nightly-report.events[2].schedule.rate[1]",
      ],
    ]);
    expect(list[0]).toMatchObject({
      arn: "arn:aws:events:eu-west-1:000000000000:rule/reports-dev-NightlyDashreportEventsRuleSchedule1",
      enabled: true,
      method: "eventBus",
      timezone: "UTC",
      region: "eu-west-1",
      account: "000000000000",
      functionName: "reports-dev-nightly-report",
      target: { kind: "event" },
      expression: { kind: "rate", value: 2, unit: "hour", periodMs: 7_200_000 },
    });
    expect(list[1]?.target).toEqual({ kind: "input", json: '{"key1":"value1"}' });
    expect(list[2]?.target).toEqual({ kind: "input", json: '{"key1":"value1"}' });
    // Schedules fire (triggers/schedule/): no "accepted but not fired" warning for them.
    expect(warnings.map((warning) => [warning.code, warning.keyPath])).not.toContainEqual([
      "LKN_WRN_MANIFEST_EVENT_NOT_FIRED",
      "functions.nightly-report.events[0].schedule",
    ]);
  });

  it("keeps enabled: false, name, description and the Framework's input forms", async () => {
    const { rules: list } = await rules(
      [
        "      - schedule:",
        "          name: nightly",
        "          description: every night",
        "          rate: cron(0 2 * * ? *)",
        "          enabled: false",
        "          input: '{\"raw\": [1, 2]}'",
        "      - schedule:",
        "          rate: rate(1 day)",
        "          input:",
        "            body: '{\"parsed\": true}'",
        "      - schedule:",
        "          rate: [rate(10 minutes)]",
        "          inputPath: '$.detail'",
        "      - schedule:",
        "          rate: rate(2 hours)",
        "          inputTransformer:",
        "            inputPathsMap:",
        "              eventTime: '$.time'",
        '            inputTemplate: \'{"time": <eventTime>, "key1": "value1"}\'',
        "",
      ].join("\n"),
    );
    expect(list[0]).toMatchObject({
      name: "nightly",
      arn: "arn:aws:events:eu-west-1:000000000000:rule/nightly",
      description: "every night",
      enabled: false,
      target: { kind: "input", json: '{"raw": [1, 2]}' },
    });
    expect(list[1]?.target).toEqual({ kind: "input", json: '{"body":{"parsed":true}}' });
    expect(list[2]?.target).toEqual({ kind: "inputPath", path: "$.detail" });
    expect(list[3]?.target).toEqual({
      kind: "inputTransformer",
      inputPathsMap: { eventTime: "$.time" },
      inputTemplate: '{"time": <eventTime>, "key1": "value1"}',
    });
  });

  it("names Scheduler schedules as the Framework does and keeps their time zone", async () => {
    const { rules: list } = await rules(
      "      - schedule:\n          method: scheduler\n          rate: cron(0 9 * * ? *)\n          timezone: Europe/Berlin\n",
    );
    expect(list[0]).toMatchObject({
      name: "reports-dev-NightlyDashreportSchedulerSchedule1",
      arn: "arn:aws:scheduler:eu-west-1:000000000000:schedule/default/reports-dev-NightlyDashreportSchedulerSchedule1",
      method: "scheduler",
      timezone: "Europe/Berlin",
    });
  });

  it("keeps a generated name within EventBridge's 64 characters, distinct for each rule", async () => {
    const { rules: list } = await rules(
      "      - schedule:\n          rate: [rate(1 minute), rate(2 minutes)]\n",
      "  stackName: a-very-long-stack-name-that-leaves-no-room-for-the-logical-id\n",
    );
    const names = list.map((rule) => rule.name);
    expect(new Set(names).size).toBe(2);
    for (const name of names) expect(name).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/);
  });

  it("gives a function without schedule events no rules", async () => {
    expect((await rules("      - http: GET /report\n")).rules).toEqual([]);
  });
});

describe("schedule events AWS would refuse", () => {
  it.each([
    [
      "      - schedule: rate(1 minutes)\n",
      "functions.nightly-report.events[0].schedule",
      "has the value 1, so its unit must be singular",
      "Write rate(1 minute)",
    ],
    [
      "      - schedule:\n          rate:\n            - rate(5 minutes)\n            - cron(0 10 * * MON *)\n",
      "functions.nightly-report.events[0].schedule.rate[1]",
      "sets both Day-of-month (*) and Day-of-week (MON)",
      "cron(0 10 ? * MON *)",
    ],
    [
      "      - schedule:\n          rate: cron(0 10 * * ?)\n",
      "functions.nightly-report.events[0].schedule.rate",
      "has 5 fields",
      "Add the Year field",
    ],
    [
      "      - schedule:\n          enabled: false\n",
      "functions.nightly-report.events[0].schedule.rate",
      "is missing",
      "rate: rate(10 minutes)",
    ],
    [
      "      - schedule:\n          rate: []\n",
      "functions.nightly-report.events[0].schedule.rate",
      "must be a schedule expression or a list of them",
      "rate: rate(10 minutes)",
    ],
    [
      "      - schedule:\n          rate: [rate(5 minutes), 5]\n",
      "functions.nightly-report.events[0].schedule.rate[1]",
      "must be a schedule expression, not the number 5",
      "rate(5 minutes)",
    ],
    [
      "      - schedule: 5\n",
      "functions.nightly-report.events[0].schedule",
      "must be a schedule expression or a mapping of settings",
      "rate(10 minutes)",
    ],
    [
      "      - schedule:\n          rate: rate(5 minutes)\n          rates: rate(6 minutes)\n",
      "functions.nightly-report.events[0].schedule.rates",
      "is not a setting of a schedule event",
      "the expression goes in rate",
    ],
    [
      "      - schedule:\n          rate: rate(5 minutes)\n          enabled: 'no'\n",
      "functions.nightly-report.events[0].schedule.enabled",
      "must be true or false",
      "enabled: false",
    ],
    [
      "      - schedule:\n          name: one\n          rate: [rate(5 minutes), rate(6 minutes)]\n",
      "functions.nightly-report.events[0].schedule.name",
      "rate holds 2 expressions",
      "Remove name",
    ],
    [
      "      - schedule:\n          name: has spaces\n          rate: rate(5 minutes)\n",
      "functions.nightly-report.events[0].schedule.name",
      "must be a rule name of 1 to 64 letters",
      "name: nightly-report",
    ],
    [
      "      - schedule:\n          rate: rate(5 minutes)\n          input: 'not json'\n",
      "functions.nightly-report.events[0].schedule.input",
      "must be valid JSON text",
      "Write it as a mapping",
    ],
    [
      "      - schedule:\n          rate: rate(5 minutes)\n          input: { a: 1 }\n          inputPath: '$.detail'\n",
      "functions.nightly-report.events[0].schedule.inputPath",
      "cannot be combined with input",
      "Keep one of them",
    ],
    [
      "      - schedule:\n          rate: rate(5 minutes)\n          inputPath: '$..detail'\n",
      "functions.nightly-report.events[0].schedule.inputPath",
      "where EventBridge expects .name, [index] or a wildcard",
      "'$.detail'",
    ],
    [
      "      - schedule:\n          rate: rate(5 minutes)\n          inputTransformer:\n            inputPathsMap: { t: 'time' }\n            inputTemplate: '<t>'\n",
      "functions.nightly-report.events[0].schedule.inputTransformer.inputPathsMap.t",
      "does not start with $",
      "'$.detail'",
    ],
    [
      "      - schedule:\n          rate: rate(5 minutes)\n          inputTransformer:\n            inputPathsMap: { t: '$.time' }\n",
      "functions.nightly-report.events[0].schedule.inputTransformer.inputTemplate",
      "must be a text of 1 to 8192 characters, not nothing",
      "inputTemplate",
    ],
    [
      "      - schedule:\n          method: scheduler\n          rate: rate(5 minutes)\n          inputPath: '$.detail'\n",
      "functions.nightly-report.events[0].schedule.inputPath",
      "is not supported with method: scheduler",
      "Use input",
    ],
    [
      "      - schedule:\n          rate: rate(5 minutes)\n          timezone: Europe/Berlin\n",
      "functions.nightly-report.events[0].schedule.timezone",
      "is only supported with method: scheduler",
      "EventBridge rules run in UTC",
    ],
    [
      "      - schedule:\n          method: scheduler\n          rate: rate(5 minutes)\n          timezone: Mars/Olympus\n",
      "functions.nightly-report.events[0].schedule.timezone",
      "must be an IANA time zone",
      "Europe/Berlin",
    ],
    [
      "      - schedule:\n          method: cron\n          rate: rate(5 minutes)\n",
      "functions.nightly-report.events[0].schedule.method",
      "must be eventBus or scheduler",
      "Remove it",
    ],
    [
      "      - schedule:\n          name: nightly\n          rate: rate(1 day)\n      - schedule:\n          name: nightly\n          rate: rate(2 days)\n",
      "functions.nightly-report.events[1].schedule.rate",
      "makes the rule nightly, which functions.nightly-report.events[0].schedule.rate already makes",
      "give one of the schedules another name",
    ],
  ])("%s", async (events, keyPath, problem, fix) => {
    const error = await refusal(events);
    expect(error).toMatchObject({ code: "LKN_ERR_MANIFEST_SCHEDULE", keyPath });
    expect(error.problem).toContain(problem);
    expect(error.fix).toContain(fix);
    expect(error.message).toContain(`serverless.yml: ${keyPath}: `);
  });
});
