/**
 * The payload a scheduled rule invokes its function with: EventBridge's Scheduled Event — checked against the
 * EventBridge schema of Powertools for AWS Lambda, strictly, so that a handler parsing it with Powertools accepts
 * it — or what the target's input, inputPath or inputTransformer makes of it.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 */
import { EventBridgeSchema } from "@aws-lambda-powertools/parser/schemas/eventbridge";
import { describe, expect, it } from "vitest";
import { scheduleRules } from "../../../runtime/manifest/schedule-events.js";
import type { ScheduleRule } from "../../../runtime/manifest/schedule-rule.js";
import { scheduledEvent, scheduledEventPayload } from "../../../triggers/schedule/scheduled-event.js";

const CONTEXT = {
  file: "/srv/reports/serverless.yml",
  stackName: "reports-dev",
  region: "eu-west-1",
  functionKey: "report",
  functionName: "reports-dev-report",
};
const TICK = new Date("2019-03-01T01:23:00.000Z");
const ARN = "arn:aws:events:eu-west-1:000000000000:rule/reports-dev-ReportEventsRuleSchedule1";

function rule(schedule: unknown): ScheduleRule {
  const [first] = scheduleRules(schedule, ["functions", "report", "events", 0, "schedule"], CONTEXT, 1);
  if (!first) throw new Error("no rule");
  return first;
}
const payload = (schedule: unknown, at = TICK) => scheduledEventPayload(rule(schedule), at);

describe("the Scheduled Event", () => {
  it("has EventBridge's shape, with resources naming the rule", () => {
    const event = JSON.parse(payload("rate(5 minutes)"));
    expect(EventBridgeSchema.strict().parse(event)).toEqual(event);
    expect(event).toEqual({
      version: "0",
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: "000000000000",
      time: "2019-03-01T01:23:00Z",
      region: "eu-west-1",
      resources: [ARN],
      detail: {},
    });
  });

  it("gives each tick of each rule its own id, the same wherever it is computed", () => {
    const five = rule("rate(5 minutes)");
    const id = (r: ScheduleRule, at: Date) => scheduledEvent(r, at).id;
    expect(id(five, TICK)).toBe(id(rule("rate(5 minutes)"), new Date(TICK)));
    expect(id(five, TICK)).not.toBe(id(five, new Date("2019-03-01T01:28:00Z")));
    expect(id(five, TICK)).not.toBe(id(rule({ rate: "rate(5 minutes)", name: "other" }), TICK));
  });

  it("is not what an EventBridge Scheduler schedule sends: its input only, {} without one", () => {
    expect(payload({ rate: "rate(5 minutes)", method: "scheduler" })).toBe("{}");
    expect(payload({ rate: "rate(5 minutes)", method: "scheduler", input: { a: 1 } })).toBe('{"a":1}');
  });
});

describe("input", () => {
  it("replaces the event with the JSON given", () => {
    expect(
      payload({ rate: "rate(5 minutes)", input: { key1: "value1", stageParams: { stage: "dev" } } }),
    ).toBe('{"key1":"value1","stageParams":{"stage":"dev"}}');
    expect(payload({ rate: "rate(5 minutes)", input: '{"raw": true}' })).toBe('{"raw": true}');
    expect(payload({ rate: "rate(5 minutes)", input: { body: '{"a":[1,2]}' } })).toBe('{"body":{"a":[1,2]}}');
  });
});

describe("inputPath", () => {
  it.each([
    ["$.detail", "{}"],
    ["$.time", '"2019-03-01T01:23:00Z"'],
    ["$.resources", JSON.stringify([ARN])],
    ["$.resources[0]", JSON.stringify(ARN)],
    ["$.resources[*]", JSON.stringify([ARN])],
    ["$.detail-type", '"Scheduled Event"'],
    // A path that matches nothing sends an empty object (not confirmed against AWS).
    ["$.stageVariables", "{}"],
  ])("%s selects %s", (inputPath, expected) => {
    expect(payload({ rate: "rate(5 minutes)", inputPath })).toBe(expected);
  });

  it("$ sends the whole event", () => {
    expect(
      EventBridgeSchema.strict().parse(JSON.parse(payload({ rate: "rate(5 minutes)", inputPath: "$" }))),
    ).toMatchObject({
      "detail-type": "Scheduled Event",
    });
  });
});

describe("inputTransformer", () => {
  const transformed = (inputPathsMap: Record<string, string> | undefined, inputTemplate: string) =>
    payload({
      rate: "rate(2 hours)",
      inputTransformer: { ...(inputPathsMap ? { inputPathsMap } : {}), inputTemplate },
    });

  it("fills the Framework's documented example, minified", () => {
    expect(transformed({ eventTime: "$.time" }, '{"time": <eventTime>, "key1": "value1"}')).toBe(
      '{"time":"2019-03-01T01:23:00Z","key1":"value1"}',
    );
  });

  it("puts JSON outside quotes and raw text inside them, as EventBridge's examples show", () => {
    const out = JSON.parse(
      transformed(
        { t: "$.time", kind: "$.detail-type", res: "$.resources", detail: "$.detail" },
        '{"t": <t>, "mixed": [9, <kind>, true], "sentence": "fired at \\"<t>\\" for <kind>", "res": <res>, "detail": <detail>}',
      ),
    );
    expect(out).toEqual({
      t: "2019-03-01T01:23:00Z",
      mixed: [9, "Scheduled Event", true],
      sentence: 'fired at "2019-03-01T01:23:00Z" for Scheduled Event',
      res: [ARN],
      detail: {},
    });
  });

  it("knows EventBridge's predefined variables", () => {
    const out = JSON.parse(
      transformed(
        undefined,
        '{"ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>, "original": <aws.events.event>, "full": <aws.events.event.json>}',
      ),
    );
    expect(out.ruleArn).toBe(ARN);
    expect(out.ruleName).toBe("reports-dev-ReportEventsRuleSchedule1");
    expect(out.at).toBe("2019-03-01T01:23:00Z");
    expect(out.original).not.toHaveProperty("detail");
    expect(out.original["detail-type"]).toBe("Scheduled Event");
    expect(EventBridgeSchema.strict().parse(out.full)).toEqual(out.full);
  });

  it("passes a text template as text, and a quoted one as a JSON string", () => {
    expect(transformed({ t: "$.time" }, "<aws.events.rule-name> fired at <t>")).toBe(
      "reports-dev-ReportEventsRuleSchedule1 fired at 2019-03-01T01:23:00Z",
    );
    expect(transformed({ t: "$.time" }, '"fired at <t>"')).toBe('"fired at 2019-03-01T01:23:00Z"');
  });

  it("leaves out a variable whose path matches nothing, and leaves unknown placeholders as written", () => {
    expect(transformed({ gone: "$.detail.missing" }, '{"a": <gone>, "b": "x<gone>y", "c": "<other>"}')).toBe(
      '{"a":null,"b":"xy","c":"<other>"}',
    );
  });
});
