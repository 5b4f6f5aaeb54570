/**
 * How `lambkin events` prints dead letters for a person: a table for a list, and for one dead letter its facts, its
 * payload pretty-printed and each attempt's error. Everything shown comes from events (payloads, error messages,
 * function names a producer wrote): control characters are shown escaped, so that no event can move the cursor,
 * recolour or retitle the terminal of whoever reads it.
 */
import pc from "picocolors";
import type { DeadLetterView } from "../../triggers/queue/dead-letter-view.js";

const COLUMNS = ["ID", "FUNCTION", "CONDITION", "ATTEMPTS", "DEAD-LETTERED", "LAST ERROR"] as const;
const MAX_CELL = 60;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the same, newlines and tabs included, for one-line cells
const CONTROL_OR_NEWLINE = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text safe for a terminal: controls as `\u001b` escapes (newlines and tabs kept unless `oneLine`). */
export function printable(text: string, oneLine = false): string {
  return text.replace(
    oneLine ? CONTROL_OR_NEWLINE : CONTROL,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function cell(text: string): string {
  const safe = printable(text, true);
  return safe.length > MAX_CELL ? `${safe.slice(0, MAX_CELL - 1)}…` : safe;
}

export function formatList(views: readonly DeadLetterView[], where: string): string {
  if (views.length === 0) return `${pc.dim(`no dead letters (${where})`)}\n`;
  const rows = views.map((view) => {
    const last = view.errors.at(-1);
    return [
      view.id,
      view.functionName ?? "(malformed job)",
      view.condition,
      String(view.attempts),
      view.deadLetteredAt,
      last ? `${last.errorType}: ${last.errorMessage}` : view.reason,
    ].map(cell);
  });
  const widths = COLUMNS.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  type Paint = (text: string) => string;
  const plain: Paint = (text) => text;
  const render = (cells: readonly string[], paints: readonly Paint[]) =>
    cells
      .map((text, column) => {
        const padded = column === cells.length - 1 ? text : text.padEnd(widths[column] ?? 0);
        return (paints[column] ?? plain)(padded);
      })
      .join("  ")
      .trimEnd();
  const header = render(
    COLUMNS,
    COLUMNS.map(() => pc.bold),
  );
  const body = rows.map((row) => render(row, [pc.dim, pc.magenta, pc.yellow, plain, pc.dim, pc.red]));
  const count = `${views.length} dead letter${views.length === 1 ? "" : "s"}, oldest first (${where})`;
  return `${[header, ...body].join("\n")}\n${pc.dim(count)}\n`;
}

export function formatShow(view: DeadLetterView): string {
  const facts: [string, string][] = [
    ["id", view.id],
    ["function", view.functionName ?? "(malformed job: no readable invocation)"],
    ["request id", view.requestId ?? "-"],
    ["condition", view.condition],
    ["reason", view.reason],
    ["attempts", String(view.attempts)],
    ["source", view.source ?? "-"],
    ["enqueued", view.enqueuedAt ?? "-"],
    ["dead-lettered", view.deadLetteredAt],
  ];
  const lines = facts.map(([name, value]) => `${pc.bold(name.padEnd(14))}${printable(value, true)}`);
  lines.push("", pc.bold(`payload (${view.payloadFormat})`));
  if (view.payloadFormat === "none") lines.push(printable(view.raw ?? "", false));
  else if (view.payloadFormat === "json") lines.push(printable(JSON.stringify(view.payload, null, 2)));
  else lines.push(printable(String(view.payload)));
  lines.push("", pc.bold(view.errors.length === 0 ? "no attempt failed" : "attempts"));
  for (const error of view.errors) {
    lines.push(
      `${pc.yellow(`#${error.attempt}`)} ${pc.dim(error.at)} ${pc.dim(`request ${printable(error.requestId, true)}`)}`,
      `   ${pc.red(printable(error.errorType, true))}: ${printable(error.errorMessage).replace(/\n/g, "\n   ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
