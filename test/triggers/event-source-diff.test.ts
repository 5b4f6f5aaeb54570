// The reload's diff of declarations by stable key (triggers/event-source-diff.ts): added, removed, changed and
// unchanged keys; settings compared whatever their key order; a key declared twice kept apart.
import { describe, expect, it } from "vitest";
import { diffByKey, fingerprintOf, keyed } from "../../triggers/event-source-diff.js";

interface Mapping {
  readonly fn: string;
  readonly queue: string;
  readonly batchSize: number;
  readonly keyPath: string;
}

const key = (mapping: Mapping) => `${mapping.fn} ← ${mapping.queue}`;
const settings = ({ keyPath: _where, ...rest }: Mapping) => rest;
const running = (mappings: Mapping[]) =>
  new Map(keyed(mappings, key, settings).map((entry) => [entry.key, entry.fingerprint]));

describe("diffByKey", () => {
  it("tells added, removed, changed and unchanged declarations apart, by key and not by position", () => {
    const before = running([
      { fn: "a", queue: "q1", batchSize: 10, keyPath: "events.0" },
      { fn: "a", queue: "q2", batchSize: 10, keyPath: "events.1" },
      { fn: "b", queue: "q1", batchSize: 10, keyPath: "events.0" },
    ]);
    const diff = diffByKey(
      before,
      keyed(
        [
          { fn: "c", queue: "q9", batchSize: 1, keyPath: "events.0" }, // added, before the others
          { fn: "a", queue: "q2", batchSize: 10, keyPath: "events.0" }, // moved: unchanged
          { fn: "b", queue: "q1", batchSize: 5, keyPath: "events.0" }, // changed
        ],
        key,
        settings,
      ),
    );
    expect(diff.added.map((entry) => entry.key)).toEqual(["c ← q9"]);
    expect(diff.removed).toEqual(["a ← q1"]);
    expect(diff.changed.map((entry) => entry.key)).toEqual(["b ← q1"]);
    expect(diff.unchanged).toEqual(["a ← q2"]);
  });

  it("keeps two declarations of one key apart, and compares settings whatever their key order", () => {
    const twice = keyed(
      [
        { fn: "a", queue: "q", batchSize: 1, keyPath: "0" },
        { fn: "a", queue: "q", batchSize: 2, keyPath: "1" },
      ],
      key,
      settings,
    );
    expect(twice.map((entry) => entry.key)).toEqual(["a ← q", "a ← q#2"]);
    expect(fingerprintOf({ a: 1, b: { d: [1, 2], c: null } })).toBe(
      fingerprintOf({ b: { c: null, d: [1, 2] }, a: 1 }),
    );
    expect(fingerprintOf({ a: [1, 2] })).not.toBe(fingerprintOf({ a: [2, 1] }));
  });
});
