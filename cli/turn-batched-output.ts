/**
 * Log records written to stderr once per turn of the event loop rather than one write each. A busy worker
 * logs START, END and REPORT (and the handler's lines) for every invocation; one synchronous pipe write per
 * record was the largest single cost of its main thread. Records are kept in order, bounded (a turn that
 * produces more than FLUSH_BYTES writes at once), and flushed synchronously when the process exits, so that
 * no record is lost to `process.exit` (stderr is a synchronous pipe or file on Linux:
 * https://nodejs.org/api/process.html#a-note-on-process-io).
 */

/** A turn that logs more than this writes it out at once rather than hold it. */
const FLUSH_BYTES = 256 * 1024;

export interface TextOutput {
  write(text: string): boolean;
}

export class TurnBatchedOutput implements TextOutput {
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
      setImmediate(() => this.flush());
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
