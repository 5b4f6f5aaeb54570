/**
 * Reads a file a service's configuration names (`.env`, a `${file(…)}`, lambkin-parameters.yml) without letting
 * it hang or exhaust Lambkin: only a regular file is read (a FIFO or a device would block the read forever), at
 * most MAX_MANIFEST_BYTES of it, and nothing under the kernel's pseudo-file systems (/proc, /sys, /dev), whose
 * "files" report no size and may hold the process's own secrets. A missing file is not a problem here: each
 * caller decides what a missing file means.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { MAX_MANIFEST_BYTES } from "./manifest-limits.js";

/** Why a configuration file cannot be read; the caller names the variable or setting that wanted it. */
export class ServiceFileProblem extends Error {}

const PSEUDO_FILE_SYSTEMS = ["/proc/", "/sys/", "/dev/"];

/** The file's text, or undefined when it does not exist. */
export function readServiceFile(file: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ServiceFileProblem(`cannot be read (${(error as Error).message})`);
  }
  if (PSEUDO_FILE_SYSTEMS.some((prefix) => real.startsWith(prefix)))
    throw new ServiceFileProblem(`is ${real}, a kernel pseudo-file, which Lambkin does not read`);
  let fd: number;
  try {
    if (!statSync(real).isFile()) throw new ServiceFileProblem("is not a regular file");
    // O_NONBLOCK: should it become a FIFO after the check, opening it must not wait for a writer.
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (error instanceof ServiceFileProblem) throw error;
    throw new ServiceFileProblem(`cannot be read (${(error as Error).message})`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new ServiceFileProblem("is not a regular file");
    if (stats.size > MAX_MANIFEST_BYTES)
      throw new ServiceFileProblem(
        `is ${stats.size} bytes, over Lambkin's limit of ${MAX_MANIFEST_BYTES} bytes`,
      );
    const buffer = Buffer.alloc(stats.size);
    let read = 0;
    while (read < buffer.length) {
      const count = readSync(fd, buffer, read, buffer.length - read, read);
      if (count === 0) break;
      read += count;
    }
    return buffer.subarray(0, read).toString("utf8");
  } catch (error) {
    if (error instanceof ServiceFileProblem) throw error;
    throw new ServiceFileProblem(`cannot be read (${(error as Error).message})`);
  } finally {
    closeSync(fd);
  }
}
