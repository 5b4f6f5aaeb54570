/**
 * An EventBridge input transformer: fills an InputTemplate's `<name>` placeholders with values the InputPathsMap
 * selects from the event, and with EventBridge's predefined variables (`aws.events.rule-arn`, `aws.events.rule-name`,
 * `aws.events.event.ingestion-time`, `aws.events.event`, `aws.events.event.json`).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html:
 * - in a JSON template (an object or a list), a placeholder outside quotes becomes the value's JSON (a string gains
 *   its quotes: `{"instance": <instance>}` → `{"instance":"i-0123456789"}`);
 * - inside a quoted string, or anywhere in a text template (`<instance> is in state <status>`), it becomes the
 *   value's text, not escaped ("EventBridge doesn't escape values extracted by Input Path");
 * - a variable whose path matches nothing "isn't created": it becomes null outside quotes and nothing inside them;
 * - a template that is JSON is passed minified; any other text is passed as it is.
 */
import type { ScheduleTarget } from "../../runtime/manifest/schedule-rule.js";
import { selectJsonPath } from "./json-path.js";

type InputTransformer = Extract<ScheduleTarget, { kind: "inputTransformer" }>;

export interface PredefinedVariables {
  readonly ruleArn: string;
  readonly ruleName: string;
  readonly ingestionTime: string;
}

const PLACEHOLDER = /^<([A-Za-z0-9_.-]+)>/;

export function transformInput(
  event: Readonly<Record<string, unknown>>,
  transformer: InputTransformer,
  predefined: PredefinedVariables,
): string {
  const { detail: _detail, ...withoutDetail } = event;
  const variables = new Map<string, unknown>([
    ["aws.events.rule-arn", predefined.ruleArn],
    ["aws.events.rule-name", predefined.ruleName],
    ["aws.events.event.ingestion-time", predefined.ingestionTime],
    ["aws.events.event", withoutDetail],
    ["aws.events.event.json", event],
  ]);
  const declared = new Set(Object.keys(transformer.inputPathsMap));
  for (const [name, path] of Object.entries(transformer.inputPathsMap)) {
    const value = selectJsonPath(event, path);
    if (value !== undefined) variables.set(name, value);
  }

  const template = transformer.inputTemplate;
  const jsonTemplate = /^\s*[[{]/.test(template);
  let output = "";
  let inString = false;
  for (let at = 0; at < template.length; ) {
    const char = template[at] as string;
    if (inString && char === "\\") {
      output += template.slice(at, at + 2);
      at += 2;
      continue;
    }
    if (char === '"') inString = !inString;
    const placeholder = char === "<" ? PLACEHOLDER.exec(template.slice(at)) : null;
    const name = placeholder?.[1];
    if (placeholder && name !== undefined && (variables.has(name) || declared.has(name))) {
      output += render(variables.get(name), inString || !jsonTemplate);
      at += placeholder[0].length;
      continue;
    }
    output += char;
    at += 1;
  }
  return minified(output);
}

function render(value: unknown, asText: boolean): string {
  if (value === undefined) return asText ? "" : "null";
  if (asText && typeof value === "string") return value;
  return JSON.stringify(value);
}

function minified(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}
