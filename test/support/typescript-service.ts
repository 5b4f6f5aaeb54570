/**
 * A fresh copy of the TypeScript fixture service (test/fixtures/typescript/) for one test, with its vendor/
 * packages installed as node_modules. The copy lives under test-output/ inside the repository, so that Node's
 * resolution from it walks up to the repository's node_modules (where @aws-sdk/* is, as the Lambda runtime
 * provides it) — as it does for a service in a monorepo.
 */
import { randomBytes } from "node:crypto";
import { cp, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./run-lambkin.js";

export const TYPESCRIPT_FIXTURE = join(PACKAGE_ROOT, "test", "fixtures", "typescript");

export async function typeScriptService(prefix: string): Promise<string> {
  const dir = join(PACKAGE_ROOT, "test-output", `${prefix}-${randomBytes(4).toString("hex")}`);
  await mkdir(dir, { recursive: true });
  await cp(TYPESCRIPT_FIXTURE, dir, { recursive: true });
  await cp(join(dir, "vendor"), join(dir, "node_modules"), { recursive: true });
  return dir;
}
