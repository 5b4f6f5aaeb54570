/**
 * A fresh copy of the TypeScript fixture service (test/fixtures/typescript/) for one test, with its vendor/
 * packages installed as node_modules. The copy lives under test-output/ inside the repository, so that Node's
 * resolution from it walks up to the repository's node_modules (where @aws-sdk/* is, as the Lambda runtime
 * provides it) — as it does for a service in a monorepo.
 */
import { randomBytes } from "node:crypto";
import { cp, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./run-lambkin.js";

export const TYPESCRIPT_FIXTURE = join(PACKAGE_ROOT, "test", "fixtures", "typescript");

const made: string[] = [];

export async function typeScriptService(prefix: string): Promise<string> {
  const dir = join(PACKAGE_ROOT, "test-output", `${prefix}-${randomBytes(4).toString("hex")}`);
  made.push(dir);
  await mkdir(dir, { recursive: true });
  await cp(TYPESCRIPT_FIXTURE, dir, { recursive: true });
  await cp(join(dir, "vendor"), join(dir, "node_modules"), { recursive: true });
  return dir;
}

/** Removes the copies this test file made, and the `<copy>-…` folders tests made beside them. */
export async function removeTypeScriptServices(): Promise<void> {
  const dirs = made.splice(0);
  await Promise.all(
    dirs.flatMap((dir) =>
      ["", "-consumer", "-unzipped"].map((suffix) => rm(`${dir}${suffix}`, { recursive: true, force: true })),
    ),
  );
}
