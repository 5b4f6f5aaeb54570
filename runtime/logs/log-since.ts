/**
 * `--since` of `lambkin logs` and `since=` of `GET /_lambkin/logs`, read as `aws logs tail --since` reads it
 * (https://awscli.amazonaws.com/v2/documentation/api/latest/reference/logs/tail.html): a relative time — a number
 * and a unit, s (seconds), m (minutes), h (hours), d (days) or w (weeks), e.g. `10m` — or a timestamp in ISO 8601
 * (`2026-12-02T10:00:00Z`; without a zone it is UTC, as the aws CLI takes it). Lambkin also takes milliseconds since
 * the epoch, what CloudWatch's own APIs use for startTime.
 */

export class LogSinceError extends Error {}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The time (ms since the epoch) the value names; `now` for relative ones. */
export function parseSince(value: string, now = Date.now()): number {
  // `2026-12-02 10:00:00` is read as `2026-12-02T10:00:00` (UTC), not in this machine's zone.
  const text = value.trim().replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, "$1T$2");
  const relative = /^(\d+)\s*([smhdw])$/i.exec(text);
  if (relative) return now - Number(relative[1]) * (UNIT_MS[(relative[2] ?? "").toLowerCase()] ?? 0);
  if (/^\d{10,}$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) || !text.includes("T") ? text : `${text}Z`;
    const time = Date.parse(zoned.includes("T") || zoned.length > 10 ? zoned : `${zoned}T00:00:00Z`);
    if (Number.isFinite(time)) return time;
  }
  throw new LogSinceError(
    `--since takes a relative time (30s, 10m, 1h, 2d, 1w), an ISO 8601 time (2026-12-02T10:00:00Z) or milliseconds since the epoch; got ${JSON.stringify(value.slice(0, 100))}`,
  );
}
