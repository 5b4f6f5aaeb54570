// `--log-format json` writes pino records to stderr; a reader that falls behind (a log shipper, a busy
// parent process) fills the pipe, and writes to it fail with EAGAIN (fd 2 is non-blocking once Node
// opened process.stderr). Every record must still arrive, in order: a function's log is not
// sampled. Before the fix, pino's asynchronous destination (sonic-boom 4.2.1) lost a whole 16 KB
// batch after EAGAIN: 61 console lines of 20,480 in `lambkin dev` under load, 64 records here.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const LOGGER = join(import.meta.dirname, "..", "..", "dist", "cli", "logger.js");
const RECORDS = 20_000;

describe("JSON logs on a pipe that fills", () => {
  it("delivers every record, in order, to a reader that falls behind", async () => {
    // Records come in batches, as invocations log, while the reader takes its time with each chunk.
    const script = `
      import { createLogger } from ${JSON.stringify(LOGGER)};
      process.stderr; // as the CLI: Node has opened fd 2
      const logger = createLogger("json");
      let n = 0;
      const batch = () => {
        for (let i = 0; i < 40 && n < ${RECORDS}; i++, n++) logger.info({ n }, "x".repeat(200));
        if (n < ${RECORDS}) setImmediate(batch);
        // Exit once stderr has taken everything written before (as lambkin dev does), whatever the load.
        else setTimeout(() => process.stderr.write("", () => process.exit(0)), 500);
      };
      batch();
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const chunks: Buffer[] = [];
    const stderr = child.stderr;
    stderr.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      stderr.pause(); // a reader that falls behind: the pipe fills, the child's writes meet EAGAIN
      setTimeout(() => stderr.resume(), 5);
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code).toBe(0);
    const numbers = Buffer.concat(chunks)
      .toString()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => (JSON.parse(line) as { n: number }).n);
    expect(numbers.length).toBe(RECORDS);
    expect(numbers).toEqual(Array.from({ length: RECORDS }, (_, n) => n));
  }, 60_000);
});
