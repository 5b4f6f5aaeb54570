// `lambkin dev` on its embedded queue, SIGKILLed while events wait and one runs: every event it answered 202
// for runs after the next start on the same state folder — the one cut mid-run again, as Lambda's at-least-once
// delivery allows (docs/lambda-behaviour.md §5).
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { freshStateDir } from "../support/state-dir.js";
import { type DevProcess, ROOT, startDev } from "./dev-process.js";

const SERVICE = join(ROOT, "test", "fixtures", "async-restart");

describe("lambkin dev SIGKILLed with events queued", () => {
  const stateDir = freshStateDir();
  const started: DevProcess[] = [];
  afterAll(async () => {
    for (const dev of started) dev.child.kill("SIGKILL");
    await rm(stateDir, { recursive: true, force: true });
  });

  it("runs them after the next start", async () => {
    const first = await startDev(SERVICE, { LAMBKIN_STATE_DIR: stateDir });
    started.push(first);
    for (const n of [1, 2, 3, 4]) {
      const response = await fetch(`${first.url}/2015-03-31/functions/slow/invocations`, {
        method: "POST",
        headers: { "X-Amz-Invocation-Type": "Event" },
        body: JSON.stringify({ n }),
      });
      expect(response.status).toBe(202);
    }
    await eventually(async () => {
      if (!first.output().includes("SLOW-START")) throw new Error("nothing started yet");
    }, 20_000);
    first.child.kill("SIGKILL");
    await first.exited;
    const endedBefore = ended(first.output());
    expect(endedBefore.length).toBeLessThan(4);

    const second = await startDev(SERVICE, { LAMBKIN_STATE_DIR: stateDir });
    started.push(second);
    await eventually(async () => {
      if (new Set([...endedBefore, ...ended(second.output())]).size < 4) throw new Error("not all ended yet");
    }, 60_000);
    expect(new Set([...endedBefore, ...ended(second.output())])).toEqual(new Set(["1", "2", "3", "4"]));
    second.child.kill("SIGTERM");
    await second.exited;
  }, 120_000);
});

function ended(output: string): string[] {
  return [...output.matchAll(/SLOW-END (\d+)/g)].map((match) => match[1] ?? "");
}
