/**
 * A fresh state folder for one `lambkin` process a test starts: the embedded queue locks its folder, so two
 * processes started by tests running in parallel must never share one (nor the repository's own `.lambkin/`).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function freshStateDir(): string {
  return mkdtempSync(join(tmpdir(), "lambkin-test-state-"));
}
