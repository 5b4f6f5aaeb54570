/**
 * Parses an AWS schedule expression — `rate(value unit)` or the six-field `cron(…)` of EventBridge — into a
 * structured schedule, or says what is wrong with it and how to fix it. Pure: no clock, no I/O, so that the
 * manifest loader can refuse a bad expression when it loads and the scheduler (triggers/schedule/) can compute
 * firing times from the same parse.
 *
 * The rules reproduced are EventBridge's:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html (cron and rate) and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html (singular unit iff the value
 * is 1). Cron fields: Minutes 0-59, Hours 0-23, Day-of-month 1-31 (`, - * ? / L W`), Month 1-12 or JAN-DEC,
 * Day-of-week 1-7 or SUN-SAT with 1 = Sunday (`, - * ? L #`), Year 1970-2199; exactly one of Day-of-month and
 * Day-of-week is `?`; a `#` stands alone in its field. All times are UTC.
 */

export type RateUnit = "minute" | "hour" | "day";

export interface RateSchedule {
  readonly kind: "rate";
  /** The expression as written, e.g. `rate(5 minutes)`. */
  readonly text: string;
  readonly value: number;
  readonly unit: RateUnit;
  /** value × unit, in milliseconds. */
  readonly periodMs: number;
}

/** Day-of-month: every listed day, the last day (`L`), the last weekday (`LW`) or the weekday nearest a day (`15W`). */
export type DayOfMonthRule =
  | { readonly kind: "any" }
  | { readonly kind: "days"; readonly days: readonly number[] }
  | { readonly kind: "last" }
  | { readonly kind: "lastWeekday" }
  | { readonly kind: "nearestWeekday"; readonly day: number };

/** Day-of-week, 1 = Sunday … 7 = Saturday: listed days, the last such day of the month (`6L`), or the nth (`3#2`). */
export type DayOfWeekRule =
  | { readonly kind: "any" }
  | { readonly kind: "days"; readonly days: readonly number[] }
  | { readonly kind: "last"; readonly day: number }
  | { readonly kind: "nth"; readonly day: number; readonly nth: number };

export interface CronSchedule {
  readonly kind: "cron";
  /** The expression as written, e.g. `cron(0 10 * * ? *)`. */
  readonly text: string;
  /** Sorted, without duplicates. */
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonthRule;
  /** 1-12. */
  readonly months: readonly number[];
  readonly dayOfWeek: DayOfWeekRule;
  /** 1970-2199. */
  readonly years: readonly number[];
}

export type ScheduleExpression = RateSchedule | CronSchedule;

/** A schedule expression EventBridge would refuse: what is wrong, and how to write it instead. */
export class ScheduleExpressionError extends Error {
  override readonly name = "ScheduleExpressionError";
  readonly problem: string;
  readonly fix: string;

  constructor(problem: string, fix: string) {
    super(`${problem}. ${fix}`);
    this.problem = problem;
    this.fix = fix;
  }
}

export const EARLIEST_YEAR = 1970;
export const LATEST_YEAR = 2199;

const UNIT_MS: Readonly<Record<RateUnit, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const CRON_EXAMPLE = "e.g. cron(0 10 * * ? *) for 10:00 UTC every day";

export function parseScheduleExpression(text: string): ScheduleExpression {
  const rate = /^rate\((.*)\)$/s.exec(text);
  if (rate) return parseRate(text, (rate[1] as string).trim());
  const cron = /^cron\((.*)\)$/s.exec(text);
  if (cron) return parseCron(text, (cron[1] as string).trim());
  if (/^(rate|cron)\(/i.test(text)) {
    const lower = `${text.slice(0, 4).toLowerCase()}${text.slice(4)}`;
    throw new ScheduleExpressionError(
      `"${text}" must start with ${lower.slice(0, 5)} in lower case`,
      `Write ${lower}`,
    );
  }
  const fields = text.trim().split(/\s+/);
  if (fields.length === 5 || fields.length === 6) {
    throw new ScheduleExpressionError(
      `"${text}" is a bare cron line; AWS schedules are written rate(value unit) or cron(Minutes Hours Day-of-month Month Day-of-week Year)`,
      `Wrap it in cron(…) with six fields, one of Day-of-month and Day-of-week being ?, ${CRON_EXAMPLE}`,
    );
  }
  throw new ScheduleExpressionError(
    `"${text}" is not a schedule expression`,
    `Write rate(value unit), e.g. rate(5 minutes), or cron(Minutes Hours Day-of-month Month Day-of-week Year), ${CRON_EXAMPLE}`,
  );
}

function parseRate(text: string, body: string): RateSchedule {
  const parts = body.split(/\s+/);
  const [valueText = "", unitText = ""] = parts;
  if (parts.length !== 2 || body === "") {
    throw new ScheduleExpressionError(
      `${text} must have a value and a unit`,
      "Write rate(value unit), e.g. rate(1 minute), rate(5 minutes), rate(2 hours) or rate(1 day)",
    );
  }
  if (!/^[1-9]\d*$/.test(valueText) || !Number.isSafeInteger(Number(valueText))) {
    throw new ScheduleExpressionError(
      `the value of ${text} must be a positive whole number, not "${valueText}"`,
      /^\d*\.\d+$/.test(valueText)
        ? "Use a smaller unit to make it whole, e.g. rate(90 minutes) rather than rate(1.5 hours)"
        : "Write e.g. rate(1 minute) or rate(5 minutes): schedules fire at most once a minute",
    );
  }
  const value = Number(valueText);
  const singular = unitText.replace(/s$/, "") as RateUnit;
  if (!Object.hasOwn(UNIT_MS, singular)) {
    throw new ScheduleExpressionError(
      `the unit of ${text} must be minute, minutes, hour, hours, day or days, not "${unitText}"`,
      /^seconds?$/i.test(unitText)
        ? "Schedules fire at most once a minute: use rate(1 minute) or more"
        : `Write it in lower case, e.g. rate(${value} ${value === 1 ? "minute" : "minutes"})`,
    );
  }
  const plural = unitText.endsWith("s");
  if (value === 1 && plural) {
    throw new ScheduleExpressionError(
      `${text} has the value 1, so its unit must be singular`,
      `Write rate(1 ${singular})`,
    );
  }
  if (value !== 1 && !plural) {
    throw new ScheduleExpressionError(
      `${text} has the value ${value}, so its unit must be plural`,
      `Write rate(${value} ${singular}s)`,
    );
  }
  const periodMs = value * UNIT_MS[singular];
  // A Date spans ±8.64e15 ms; a longer period has no next firing to compute.
  if (periodMs > 8.64e15) {
    throw new ScheduleExpressionError(
      `${text} is longer than any date can reach`,
      "Use a shorter period, e.g. rate(365 days)",
    );
  }
  return { kind: "rate", text, value, unit: singular, periodMs };
}

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Names standing for min, min + 1, … (JAN = 1, SUN = 1). */
  readonly names?: readonly string[];
  readonly example: string;
}

const MINUTES: FieldSpec = { label: "Minutes", min: 0, max: 59, example: "0, 15, 0/15 or 0-29" };
const HOURS: FieldSpec = { label: "Hours", min: 0, max: 23, example: "8, 8-17 or 0/6" };
const DAY_OF_MONTH: FieldSpec = { label: "Day-of-month", min: 1, max: 31, example: "1, 1-15, L, LW or 15W" };
const MONTH: FieldSpec = { label: "Month", min: 1, max: 12, names: MONTH_NAMES, example: "1, JAN-MAR or *" };
const DAY_OF_WEEK: FieldSpec = {
  label: "Day-of-week",
  min: 1,
  max: 7,
  names: DAY_NAMES,
  example: "MON-FRI, 2, 6L or 3#2 (1 = SUN … 7 = SAT)",
};
const YEAR: FieldSpec = {
  label: "Year",
  min: EARLIEST_YEAR,
  max: LATEST_YEAR,
  example: "*, 2030 or 2030-2035",
};

function parseCron(text: string, body: string): CronSchedule {
  const fields = body === "" ? [] : body.split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(
      `${text} has ${fields.length} field${fields.length === 1 ? "" : "s"}; an AWS cron expression has exactly six: Minutes Hours Day-of-month Month Day-of-week Year`,
      fields.length === 5
        ? `Add the Year field (usually *) and use ? in Day-of-month or Day-of-week, ${CRON_EXAMPLE}`
        : `Write six fields separated by spaces, ${CRON_EXAMPLE}`,
    );
  }
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  const domAny = dom === "?";
  const dowAny = dow === "?";
  if (domAny === dowAny) {
    throw new ScheduleExpressionError(
      domAny
        ? `${text} has ? in both Day-of-month and Day-of-week; exactly one of them must be ?`
        : `${text} sets both Day-of-month (${dom}) and Day-of-week (${dow}); AWS allows only one of them, the other must be ?`,
      domAny
        ? "Put * (every day) in one of them, e.g. cron(0 10 * * ? *)"
        : `Replace one of them with ?, e.g. cron(${minute} ${hour} ${dom} ${month} ? ${year}) or cron(${minute} ${hour} ? ${month} ${dow} ${year})`,
    );
  }
  return {
    kind: "cron",
    text,
    minutes: parseList(minute, MINUTES),
    hours: parseList(hour, HOURS),
    dayOfMonth: domAny ? { kind: "any" } : parseDayOfMonth(dom),
    months: parseList(month, MONTH),
    dayOfWeek: dowAny ? { kind: "any" } : parseDayOfWeek(dow),
    years: parseList(year, YEAR),
  };
}

function parseDayOfMonth(field: string): DayOfMonthRule {
  const upper = field.toUpperCase();
  if (upper === "L") return { kind: "last" };
  if (upper === "LW") return { kind: "lastWeekday" };
  const nearest = /^(\d+)W$/.exec(upper);
  if (nearest) return { kind: "nearestWeekday", day: value(nearest[1] as string, DAY_OF_MONTH) };
  if (/[LW]/.test(upper)) {
    throw new ScheduleExpressionError(
      `Day-of-month "${field}" uses L or W in a way AWS does not accept`,
      "Write L (last day of the month), LW (last weekday of the month) or nW for one day n (15W = the weekday nearest the 15th), alone in the field",
    );
  }
  return { kind: "days", days: parseList(field, DAY_OF_MONTH) };
}

function parseDayOfWeek(field: string): DayOfWeekRule {
  const upper = field.toUpperCase();
  if (upper.includes("#")) {
    const nth = /^([A-Z]+|\d+)#(\d+)$/.exec(upper);
    if (!nth) {
      throw new ScheduleExpressionError(
        `Day-of-week "${field}" is not one day#n expression; with #, the field holds exactly one (3#1,6#3 is two)`,
        "Write e.g. 3#2 (the second Tuesday of the month) or MON#1; for several, use one schedule each",
      );
    }
    const occurrence = Number(nth[2]);
    if (occurrence < 1 || occurrence > 5) {
      throw new ScheduleExpressionError(
        `Day-of-week "${field}" asks for occurrence ${nth[2]}; a month has at most five of each weekday`,
        "Use 1 to 5 after #, e.g. 3#2 for the second Tuesday",
      );
    }
    return { kind: "nth", day: value(nth[1] as string, DAY_OF_WEEK), nth: occurrence };
  }
  // L alone is the last day of the week, Saturday (Quartz's meaning, which EventBridge's L follows).
  if (upper === "L") return { kind: "days", days: [7] };
  const last = /^([A-Z]+|\d+)L$/.exec(upper);
  if (last) return { kind: "last", day: value(last[1] as string, DAY_OF_WEEK) };
  if (upper.includes("L")) {
    throw new ScheduleExpressionError(
      `Day-of-week "${field}" uses L in a way AWS does not accept`,
      "Write nL alone in the field for the last day n of the month, e.g. 6L for the last Friday",
    );
  }
  return { kind: "days", days: parseList(field, DAY_OF_WEEK) };
}

/** `,`-separated items, each `*`, `n`, `a-b` (wrapping past the maximum, as Quartz does), optionally `/step`. */
function parseList(field: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  for (const item of field.split(",")) {
    if (item === "") throw invalidField(field, spec, "has an empty item in its list");
    const [range = "", step, ...extra] = item.split("/");
    if (extra.length > 0) throw invalidField(field, spec, `has more than one / in "${item}"`);
    let from: number;
    let to: number;
    if (range === "*") {
      from = spec.min;
      to = spec.max;
    } else if (range.includes("-")) {
      const [start = "", end = "", ...more] = range.split("-");
      if (more.length > 0 || start === "" || end === "") {
        throw invalidField(field, spec, `has a malformed range "${range}"`);
      }
      from = value(start, spec);
      to = value(end, spec);
    } else {
      from = value(range, spec);
      to = step === undefined ? from : spec.max;
    }
    const size = spec.max - spec.min + 1;
    let increment = 1;
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > size) {
        throw invalidField(
          field,
          spec,
          `has the increment "${step}", which must be a whole number from 1 to ${size}`,
        );
      }
      increment = Number(step);
    }
    const span = (to - from + size) % size;
    for (let offset = 0; offset <= span; offset += increment) {
      values.add(((from - spec.min + offset) % size) + spec.min);
    }
  }
  return [...values].sort((a, b) => a - b);
}

function value(text: string, spec: FieldSpec): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^\d+$/.test(text)) {
    throw new ScheduleExpressionError(
      `${spec.label} has "${text}", which is not a ${spec.names ? "number or a name" : "number"}${spec.names ? ` (${spec.names[0]}-${spec.names[spec.names.length - 1]})` : ""}`,
      `Write e.g. ${spec.example}`,
    );
  }
  const number = Number(text);
  if (number < spec.min || number > spec.max) {
    const zeroDay = spec === DAY_OF_WEEK && number === 0;
    throw new ScheduleExpressionError(
      `${spec.label} ${text} is out of range ${spec.min}-${spec.max}${zeroDay ? "; AWS counts days of the week from 1 = SUN to 7 = SAT" : ""}`,
      zeroDay ? "Write 1 or SUN for Sunday" : `Write e.g. ${spec.example}`,
    );
  }
  return number;
}

function invalidField(field: string, spec: FieldSpec, problem: string): ScheduleExpressionError {
  return new ScheduleExpressionError(`${spec.label} "${field}" ${problem}`, `Write e.g. ${spec.example}`);
}
