// `lambkin dev` stopped by SIGTERM writes out its whole log before it exits, also to a stderr reader
// that is seconds behind (a log shipper, a busy parent): nothing an invocation logged is lost at
// shutdown. Before the fix the exit grace (2 s after shutdown) ended the process with megabytes of
// function output still queued for the pipe.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, startDev } from "./dev-process.js";

const LINES = 20_480;

describe("lambkin dev's log at exit", () => {
  it("reaches a reader that resumes reading only after the exit grace", async () => {
    // --verbose: Lambda's END line, the invocation's last, is what proves the log was written to the end.
    const dev = await startDev(join(ROOT, "test", "fixtures", "log-attribution", "node"), {}, ["--verbose"]);
    const stderr = dev.child.stderr;
    if (!stderr) throw new Error("no stderr");
    stderr.pause(); // the reader falls behind, by more than the 2 s grace in the end
    const response = await fetch(`${dev.url}/2015-03-31/functions/chatty/invocations`, { method: "POST" });
    expect(await response.json()).toEqual({ logged: LINES });
    const closed = new Promise<void>((resolve) => dev.child.once("close", () => resolve()));
    dev.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    stderr.resume();
    await closed;
    expect(await dev.exited).toBe(0);
    const requestId = response.headers.get("x-amzn-requestid") ?? "";
    const lines = dev.output().split("\n");
    const logged = lines.filter((line) => line.includes(`${requestId} line `));
    expect(logged).toHaveLength(LINES);
    expect(lines.some((line) => line.includes(`END RequestId: ${requestId}`))).toBe(true);
  }, 60_000);
});
