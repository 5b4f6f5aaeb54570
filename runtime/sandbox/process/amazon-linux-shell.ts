/**
 * On Amazon Linux `/bin/sh` is bash, so AWS's own custom-runtime walkthrough writes its bootstrap
 * with bash syntax (`source`, `set -o pipefail`) under `#!/bin/sh` (docs/lambda-behaviour.md §1.6). Where
 * the host's /bin/sh is another shell (Debian's dash), such a bootstrap is run by bash instead,
 * which is what it would have met on Lambda.
 */
import { closeSync, existsSync, openSync, readSync, realpathSync } from "node:fs";

const BASH = "/bin/bash";

let hostShIsBash: boolean | undefined;

export function shellCommandFor(bootstrap: string): { command: string; args: string[] } {
  if (!startsWithBinSh(bootstrap)) return { command: bootstrap, args: [] };
  hostShIsBash ??= safeRealpath("/bin/sh").endsWith("bash");
  if (hostShIsBash || !existsSync(BASH)) return { command: bootstrap, args: [] };
  return { command: BASH, args: [bootstrap] };
}

function startsWithBinSh(path: string): boolean {
  const buffer = Buffer.alloc(64);
  let length = 0;
  try {
    const fd = openSync(path, "r");
    try {
      length = readSync(fd, buffer, 0, buffer.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  const firstLine = buffer.subarray(0, length).toString("latin1").split("\n")[0] ?? "";
  return /^#!\s*\/bin\/sh(\s|$)/.test(firstLine);
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
