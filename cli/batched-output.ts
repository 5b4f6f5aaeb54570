/**
 * Log records written to stderr together, at most FLUSH_DELAY_MS after the first of them, rather than one
 * write each. A busy worker logs START, END and REPORT (and the handler's lines) for every invocation; one
 * synchronous pipe write per record was the largest single cost of its main thread. Records are kept in order,
 * bounded (more than FLUSH_BYTES held write out at once), and flushed synchronously when the process exits, so that
 * no record is lost to `process.exit` (stderr is a synchronous pipe or file on Linux:
 * https://nodejs.org/api/process.html#a-note-on-process-io).
 */

/** Records held together write out at once past this size. */
const FLUSH_BYTES = 256 * 1024;
/** How long a record may wait for others: below what a person reading a terminal notices. */
const FLUSH_DELAY_MS = 10;

export interface TextOutput {
  write(text: string): boolean;
}

export class BatchedOutput implements TextOutput {
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;

  constructor(private readonly target: NodeJS.WritableStream = process.stderr) {
    process.on("exit", () => this.flush());
  }

  write(text: string): boolean {
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      // Unref'd: a process that is done anyway exits, and the 'exit' listener writes what is left.
      setTimeout(() => this.flush(), FLUSH_DELAY_MS).unref();
    }
    return true;
  }

  /** Writes what is pending now. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    this.target.write(text);
  }
}
