/**
 * Keeps the last 4 KB of one invocation's log, START to REPORT, for `X-Amz-Log-Type: Tail`
 * (the Invoke API returns it base64-encoded in X-Amz-Log-Result, docs/lambda-behaviour.md §2.7).
 */
export const LOG_TAIL_BYTES = 4096;

export class LogTail {
  private readonly lines: string[] = [];
  private bytes = 0;

  /**
   * A tail that starts with bytes another process kept (a worker's tail, for a gateway): text() and base64() give
   * exactly them back, even cut in the middle of a UTF-8 character as Lambda's 4 KB tail may be.
   */
  static fromBytes(bytes: Buffer): LogTail {
    const tail = new LogTail();
    tail.carried = Buffer.from(bytes.subarray(Math.max(0, bytes.length - LOG_TAIL_BYTES)));
    return tail;
  }

  private carried = Buffer.alloc(0);

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

  /** The last 4 KB as bytes. */
  tailBytes(): Buffer {
    return this.lastBytes();
  }

  base64(): string {
    return this.lastBytes().toString("base64");
  }

  private lastBytes(): Buffer {
    const all = Buffer.concat([this.carried, Buffer.from(this.lines.join(""))]);
    return all.subarray(Math.max(0, all.length - LOG_TAIL_BYTES));
  }
}
