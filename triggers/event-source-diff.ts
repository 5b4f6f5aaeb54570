/**
 * What a `lambkin dev` reload changes in a set of declarations — event source mappings, subscriptions, resources:
 * each declaration has a stable key (the function and the source it reads: queue, stream, topic; a resource's type
 * and name) and settings (what, changed, means the running thing must be made again). Matching by key, not by
 * position, is what keeps a poller running when another event is added before its own in serverless.yml: Lambda's
 * event source mappings are likewise identified by function and source, not by their order in the template
 * (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html refuses a second mapping of one
 * function to one stream or queue with ResourceConflictException).
 */

export interface KeyedDiff<T> {
  /** Keys declared now and not before. */
  readonly added: readonly Keyed<T>[];
  /** Keys declared before and not now. */
  readonly removed: readonly string[];
  /** Keys declared both times with other settings: stopped, then started again. */
  readonly changed: readonly Keyed<T>[];
  /** Keys declared both times with the same settings: left running, untouched. */
  readonly unchanged: readonly string[];
}

export interface Keyed<T> {
  readonly key: string;
  readonly declaration: T;
  /** The settings compared, as text (stable key order). */
  readonly fingerprint: string;
}

/**
 * The declarations keyed: a key declared twice (two events of one function on one queue) gets `#2`, `#3`, … so
 * that both run, as they did before the reload.
 */
export function keyed<T>(
  declarations: readonly T[],
  keyOf: (declaration: T) => string,
  settingsOf: (declaration: T) => unknown,
): Keyed<T>[] {
  const seen = new Map<string, number>();
  return declarations.map((declaration) => {
    const base = keyOf(declaration);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return {
      key: count === 1 ? base : `${base}#${count}`,
      declaration,
      fingerprint: fingerprintOf(settingsOf(declaration)),
    };
  });
}

/** `running`: the fingerprint of each key running now. */
export function diffByKey<T>(
  running: ReadonlyMap<string, string>,
  wanted: readonly Keyed<T>[],
): KeyedDiff<T> {
  const added: Keyed<T>[] = [];
  const changed: Keyed<T>[] = [];
  const unchanged: string[] = [];
  const wantedKeys = new Set<string>();
  for (const entry of wanted) {
    wantedKeys.add(entry.key);
    const before = running.get(entry.key);
    if (before === undefined) added.push(entry);
    else if (before === entry.fingerprint) unchanged.push(entry.key);
    else changed.push(entry);
  }
  const removed = [...running.keys()].filter((key) => !wantedKeys.has(key));
  return { added, removed, changed, unchanged };
}

/** JSON with object keys sorted: `{a, b}` and `{b, a}` are the same settings. */
export function fingerprintOf(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
    return Object.fromEntries(
      Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });
}

/** What one reload did to one kind of source, for the summary line and the warnings. */
export interface SourceChanges {
  readonly added: number;
  readonly removed: number;
  readonly restarted: number;
  /** Each declaration that could not be followed: reported, the others followed anyway. */
  readonly failures: readonly SourceFailure[];
}

export interface SourceFailure {
  /** What failed, for a person: `orders-dev-worker ← sqs orders`, `table Orders`. */
  readonly source: string;
  readonly error: unknown;
}

export const NO_CHANGES: SourceChanges = { added: 0, removed: 0, restarted: 0, failures: [] };
