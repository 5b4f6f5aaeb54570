// The invocation log's line splitter: lines in order whatever the chunking, lines longer than one
// CloudWatch Logs event cut into several events as they stream, and a cost linear in the bytes (one
// 40 MB line used to cost 9–14 s of the event loop: the pending text was rescanned on every chunk).
import { describe, expect, it } from "vitest";
import { MAX_LOG_EVENT_BYTES, splitLines } from "../../../runtime/sandbox/line-splitter.js";

function collect(maxLineBytes?: number) {
  const lines: string[] = [];
  const splitter = splitLines((line) => lines.push(line), maxLineBytes);
  return { lines, splitter };
}

/** CPU time (user + system, ms) of `work`: unlike wall time, not inflated by other processes. */
function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** Feeds one line of `bytes` bytes (then a newline) in 64 KB chunks, as a pipe delivers it. */
function feedOneLine(bytes: number): { events: number; longest: number; total: number } {
  let events = 0;
  let longest = 0;
  let total = 0;
  const splitter = splitLines((line) => {
    events += 1;
    longest = Math.max(longest, line.length);
    total += line.length;
  });
  const chunk = Buffer.alloc(64 * 1024, "a");
  for (let sent = 0; sent < bytes; sent += chunk.length) splitter.write(chunk);
  splitter.write(Buffer.from("\n"));
  splitter.end();
  return { events, longest, total };
}

describe("splitLines", () => {
  it("gives every line once, in order, whatever the chunk boundaries", () => {
    const text = "one\ntwo\n\nthree\r\nfour";
    for (let size = 1; size <= text.length; size++) {
      const { lines, splitter } = collect();
      const bytes = Buffer.from(text);
      for (let at = 0; at < bytes.length; at += size) splitter.write(bytes.subarray(at, at + size));
      splitter.end();
      expect(lines).toEqual(["one", "two", "", "three\r", "four"]);
    }
  });

  it("keeps a multi-byte character whole when a chunk boundary falls inside it", () => {
    const { lines, splitter } = collect();
    const bytes = Buffer.from("é€😀\n");
    for (const byte of bytes) splitter.write(Buffer.from([byte]));
    splitter.end();
    expect(lines).toEqual(["é€😀"]);
  });

  it("cuts a line longer than one CloudWatch Logs event into consecutive events", () => {
    expect(MAX_LOG_EVENT_BYTES).toBe(262_118); // 256 KB less PutLogEvents' 26 bytes per event
    const { lines, splitter } = collect();
    const line = "x".repeat(MAX_LOG_EVENT_BYTES * 2 + 10);
    splitter.write(Buffer.from(`${line}\nnext\n`));
    splitter.end();
    expect(lines.map((event) => event.length)).toEqual([MAX_LOG_EVENT_BYTES, MAX_LOG_EVENT_BYTES, 10, 4]);
    expect(lines.slice(0, 3).join("")).toBe(line);
    // A line of exactly the limit is one event, with no empty event after it.
    const exact = collect();
    exact.splitter.write(Buffer.from(`${"y".repeat(MAX_LOG_EVENT_BYTES)}\n`));
    exact.splitter.end();
    expect(exact.lines.map((event) => event.length)).toEqual([MAX_LOG_EVENT_BYTES]);
  });

  it("never cuts inside a UTF-8 character", () => {
    const { lines, splitter } = collect(10);
    splitter.write(Buffer.from(`${"€".repeat(7)}\n`)); // 21 bytes, 3 per character
    splitter.end();
    expect(lines).toEqual(["€€€", "€€€", "€"]);
  });

  it("emits an endless line as it streams, holding at most one event of it", () => {
    const { lines, splitter } = collect(1000);
    const chunk = Buffer.alloc(300, "z");
    for (let i = 0; i < 100; i++) splitter.write(chunk); // 30,000 bytes, no newline yet
    expect(lines).toHaveLength(29);
    for (const event of lines) expect(event).toHaveLength(1000);
    splitter.end();
    expect(lines.at(-1)).toHaveLength(1000);
    expect(lines.join("")).toBe("z".repeat(30_000));
  });

  it("splits a 40 MB line in time linear in its size", () => {
    feedOneLine(1024 * 1024); // warm-up (JIT)
    const small = feedOneLine(10 * 1024 * 1024);
    const large = feedOneLine(40 * 1024 * 1024);
    expect(small.total).toBe(10 * 1024 * 1024);
    expect(large.total).toBe(40 * 1024 * 1024);
    expect(large.longest).toBe(MAX_LOG_EVENT_BYTES);
    expect(large.events).toBe(Math.ceil((40 * 1024 * 1024) / MAX_LOG_EVENT_BYTES));
    // The best of three runs each, so that a GC pause or a busy core does not decide.
    const smallMs = Math.min(...[1, 2, 3].map(() => cpuMs(() => feedOneLine(10 * 1024 * 1024))));
    const largeMs = Math.min(...[1, 2, 3].map(() => cpuMs(() => feedOneLine(40 * 1024 * 1024))));
    // Quadratic, 4× the bytes cost ≈16× the CPU (10 MB: 0.6 s, 40 MB: 8.9 s before); linear, ≈4×.
    // Generous bounds: well under a second of CPU for 40 MB (tens of ms here), a ratio below 8.
    expect(largeMs).toBeLessThan(1000);
    expect(largeMs / Math.max(smallMs, 5)).toBeLessThan(8);
  });
});
