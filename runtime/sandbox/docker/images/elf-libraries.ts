/**
 * Finds the shared libraries that a set of host executables load (their ELF dependency closure),
 * through the host's dynamic loader (`ldd`), so that an offline image can carry exactly the libraries
 * its programs need and nothing else of the host.
 */
import { execFileSync } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
/** ldd is run on this many files at a time (one process each batch). */
const BATCH = 200;

export function isElf(path: string): boolean {
  const header = Buffer.alloc(4);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    return readSync(fd, header, 0, 4, 0) === 4 && header.equals(ELF_MAGIC);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Absolute paths of every library (and the loader) that `files` need, transitively (ldd resolves the closure). */
export function sharedLibrariesOf(files: readonly string[]): Set<string> {
  const libraries = new Set<string>();
  const elves = files.filter(isElf);
  for (let start = 0; start < elves.length; start += BATCH) {
    const batch = elves.slice(start, start + BATCH);
    let output: string;
    try {
      output = execFileSync("ldd", batch, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch (error) {
      // ldd exits 1 when one of the files is static ("not a dynamic executable"); its output still counts.
      output = String((error as { stdout?: string }).stdout ?? "");
    }
    for (const match of output.matchAll(/(?:=>\s+)?(\/[^\s:]+)\s+\(0x[0-9a-f]+\)/g)) {
      const path = match[1];
      if (path && !batch.includes(path)) libraries.add(path);
    }
  }
  return libraries;
}
