/**
 * Keeps the last 4 KB of one invocation's log, START to REPORT, for `X-Amz-Log-Type: Tail`
 * (the Invoke API returns it base64-encoded in X-Amz-Log-Result, docs/lambda-behaviour.md §2.7).
 */
export const LOG_TAIL_BYTES = 4096;

export class LogTail {
  private readonly lines: string[] = [];
  private bytes = 0;

  append(line: string): void {
    const entry = `${line}\n`;
    this.lines.push(entry);
    this.bytes += Buffer.byteLength(entry);
    while (this.bytes > LOG_TAIL_BYTES * 2 && this.lines.length > 1) {
      this.bytes -= Buffer.byteLength(this.lines.shift() ?? "");
    }
  }

  /** The last 4 KB (cut on a byte boundary, like Lambda's tail). */
  text(): string {
    return this.lastBytes().toString("utf8");
  }

  base64(): string {
    return this.lastBytes().toString("base64");
  }

  private lastBytes(): Buffer {
    const all = Buffer.from(this.lines.join(""));
    return all.subarray(Math.max(0, all.length - LOG_TAIL_BYTES));
  }
}
