/**
 * What the control plane reports about a function's code: CodeSize, CodeSha256 and LastModified. On Lambda they
 * describe the uploaded deployment package; Lambkin runs the service folder in place, so they describe that folder
 * (what `serverless package` would zip): the total size of its files, a SHA-256 (base64, as Lambda prints it) over
 * each file's path, size and modification time, and the newest modification time. Editing any file changes all
 * three, which is what callers use them for (detecting a new deployment). `.git` and `.serverless` are left out,
 * as the Serverless Framework's packaging leaves them out.
 */
import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";

export interface CodeFingerprint {
  readonly codeSize: number;
  /** Base64 SHA-256, like FunctionConfiguration.CodeSha256. */
  readonly codeSha256: string;
  readonly lastModified: Date;
}

const EXCLUDED_FOLDERS = new Set([".git", ".serverless"]);

export async function codeFingerprint(serviceDir: string): Promise<CodeFingerprint> {
  const files = (await listFiles(serviceDir)).sort();
  const hash = createHash("sha256");
  let codeSize = 0;
  let newest = 0;
  for (const file of files) {
    const info = await stat(file);
    codeSize += info.size;
    newest = Math.max(newest, info.mtimeMs);
    hash.update(`${relative(serviceDir, file)}\0${info.size}\0${info.mtimeMs}\n`);
  }
  return { codeSize, codeSha256: hash.digest("base64"), lastModified: new Date(Math.floor(newest)) };
}

async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !EXCLUDED_FOLDERS.has(entry.name)) found.push(...(await listFiles(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

/** Lambda's LastModified format: `2026-03-22T02:34:27.000+0000` (milliseconds, `+0000` rather than `Z`). */
export function lambdaTimestamp(date: Date): string {
  return date.toISOString().replace("Z", "+0000");
}
