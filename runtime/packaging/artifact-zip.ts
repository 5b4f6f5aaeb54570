/**
 * Writes a deployment package as a deterministic zip (yazl): entries sorted by name, one fixed modification time
 * and mode, so that packaging the same code twice gives the same bytes (and the same CodeSha256 on AWS — the
 * reason serverless-esbuild warns that its native zip "will produce non-deterministic archives").
 */
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { ZipFile } from "yazl";

/** 1980-01-01, the earliest time a zip can hold: nothing about when it was packaged leaks into the bytes. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

export interface ZipEntry {
  /** `/`-separated path inside the zip. */
  readonly name: string;
  readonly content: Buffer;
  /** Executable files (a custom runtime's bootstrap) keep their x bit. */
  readonly executable?: boolean;
}

export interface WrittenZip {
  readonly zippedBytes: number;
  readonly unzippedBytes: number;
  readonly entries: number;
}

export async function writeZip(path: string, entries: readonly ZipEntry[]): Promise<WrittenZip> {
  const zip = new ZipFile();
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let unzippedBytes = 0;
  for (const entry of sorted) {
    unzippedBytes += entry.content.length;
    zip.addBuffer(entry.content, entry.name, {
      mtime: FIXED_MTIME,
      mode: entry.executable ? 0o100755 : 0o100644,
      compress: true,
    });
  }
  const temporary = `${path}.${process.pid}.tmp`;
  const output = createWriteStream(temporary);
  let zippedBytes = 0;
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.on("data", (chunk: Buffer) => {
      zippedBytes += chunk.length;
    });
    zip.outputStream.pipe(output);
    output.on("close", () => resolve());
    output.on("error", reject);
    zip.outputStream.on("error", reject);
    zip.end();
  });
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { zippedBytes, unzippedBytes, entries: sorted.length };
}
