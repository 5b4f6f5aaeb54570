/**
 * A small file read again and again through one open descriptor: /proc/<pid>/status and a cgroup's peak
 * memory are read after every invocation for REPORT's Max Memory Used, and an open, a read and a close per
 * read were a visible share of a busy worker's time. procfs and cgroupfs regenerate a file's content when it is
 * read from offset 0, so a positioned read of the kept descriptor sees the current values.
 */
import { closeSync, openSync, readSync } from "node:fs";

export class RereadableFile {
  private fd: number | undefined;
  private buffer: Buffer;
  private closed = false;

  constructor(
    private readonly path: string,
    initialBytes = 4096,
  ) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** The file's content now, or undefined when it cannot be read (gone, or closed). */
  read(): string | undefined {
    if (this.closed) return undefined;
    try {
      this.fd ??= openSync(this.path, "r");
      for (;;) {
        const length = readSync(this.fd, this.buffer, 0, this.buffer.length, 0);
        if (length < this.buffer.length) return this.buffer.toString("latin1", 0, length);
        this.buffer = Buffer.allocUnsafe(this.buffer.length * 2);
      }
    } catch {
      this.closeDescriptor();
      return undefined;
    }
  }

  close(): void {
    this.closed = true;
    this.closeDescriptor();
  }

  private closeDescriptor(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {}
    this.fd = undefined;
  }
}
