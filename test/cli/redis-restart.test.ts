// redis-server stopped and started again (append-only file on) while events flow into a `lambkin dev` on
// REDIS_URL: Lambkin reconnects by itself, every event it answered 202 for runs, and an event it could not store
// while Redis was down was refused with a 5xx — never a 202 for an event that is then lost.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../bench/redis-server.js";
import { eventually } from "../support/eventually.js";
import { type DevProcess, ROOT, startDev } from "./dev-process.js";

const SERVICE = join(ROOT, "test", "fixtures", "async");

describe("redis-server restarted while events flow", () => {
  let redis: RedisServer;
  let dev: DevProcess;

  beforeAll(async () => {
    redis = await startRedisServer({ appendonly: true });
    dev = await startDev(SERVICE, { REDIS_URL: redis.url });
  }, 60_000);

  afterAll(async () => {
    dev?.child.kill("SIGKILL");
    await dev?.exited;
    await redis?.dispose();
  });

  it("runs every accepted event, refuses with 5xx what it could not store, and goes on", async () => {
    const accepted: number[] = [];
    const refused: number[] = [];
    let n = 0;
    let stopped = false;
    const producer = (async () => {
      const until = Date.now() + 6000;
      while (Date.now() < until) {
        const k = n++;
        const response = await fetch(`${dev.url}/2015-03-31/functions/recorder/invocations`, {
          method: "POST",
          headers: { "X-Amz-Invocation-Type": "Event" },
          body: JSON.stringify({ k }),
        }).catch(() => undefined);
        if (response?.status === 202) accepted.push(k);
        else {
          expect(response?.status ?? 500).toBeGreaterThanOrEqual(500);
          refused.push(k);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await redis.stop();
    stopped = true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await redis.start();
    await producer;
    expect(stopped).toBe(true);
    // While Redis was down the producer saw refusals; before and after it, acceptances.
    expect(refused.length).toBeGreaterThan(0);
    // (Not a count against refusals: how many get through in each phase depends on the machine's load.)
    expect(accepted.some((k) => k < (refused[0] ?? 0))).toBe(true);
    expect(accepted.some((k) => k > (refused.at(-1) ?? 0))).toBe(true);
    const ran = () =>
      new Set([...dev.output().matchAll(/RECORD \{"k":(\d+)\}/g)].map((match) => Number(match[1])));
    await eventually(async () => {
      const missing = accepted.filter((k) => !ran().has(k));
      if (missing.length > 0)
        throw new Error(`${missing.length} accepted events have not run: ${missing.slice(0, 10)}`);
    }, 90_000);
    expect(dev.child.exitCode).toBeNull();
  }, 150_000);
});
