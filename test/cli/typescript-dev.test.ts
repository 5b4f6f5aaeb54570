// TypeScript handlers under a real `lambkin dev`: environments started at once share one build, and each reports
// the bundled code's result through the Invoke API.
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { removeTypeScriptServices, typeScriptService } from "../support/typescript-service.js";
import { stopLambkin } from "./cluster-process.js";
import { type DevProcess, startDev } from "./dev-process.js";

let dev: DevProcess | undefined;
afterEach(async () => {
  await stopLambkin(dev);
  dev = undefined;
});

describe("lambkin dev with TypeScript handlers", () => {
  afterAll(removeTypeScriptServices);
  it("builds once for environments that start at the same time, and serves the bundle's answers", async () => {
    const dir = await typeScriptService("ts-dev");
    // --verbose: the REPORT lines, whose Init Duration counts the cold starts.
    dev = await startDev(dir, {}, ["--verbose"]);
    const url = `${dev.url}/2015-03-31/functions/tsfixture-dev-hello/invocations`;
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, index) =>
        fetch(url, { method: "POST", body: JSON.stringify({ name: `n${index}` }) }).then((response) =>
          response.json(),
        ),
      ),
    );
    expect(answers).toEqual(
      Array.from({ length: 4 }, (_, index) => ({ greeting: `Hello, n${index}`, text: `HELLO, N${index}!` })),
    );
    // The log lines reach the output in batches, shortly after the answers: wait for the four REPORT lines.
    await vi.waitFor(() => expect(dev?.output().match(/REPORT RequestId/g)?.length).toBe(4), {
      timeout: 10_000,
    });
    // Several cold starts (up to four: a request arriving after another finished takes its environment), one build.
    expect(dev.output().match(/Init Duration/g)?.length).toBeGreaterThanOrEqual(2);
    expect(dev.output().match(/bundled hello's TypeScript handler/g)?.length).toBe(1);
  });
});
