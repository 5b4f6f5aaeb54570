/**
 * What the control plane reports about a function's code: CodeSize, CodeSha256 and LastModified. On Lambda they
 * describe the uploaded deployment package; Lambkin runs the service folder in place, so they describe that
 * folder: its code revision (runtime/revision/code-revision.ts), a SHA-256 over the contents of its files
 * (base64, as Lambda prints it), their total size and the newest modification time. The revision is computed
 * once when the service is loaded (and again when `lambkin dev` sees it change), never per request; the same
 * value names the revision in the `x-lambkin-code-revision` header, so the two always agree.
 */
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import { type CodeRevision, computeCodeRevision } from "../../runtime/revision/code-revision.js";

export type CodeFingerprint = CodeRevision;

/** The function's revision; hashed here only for a definition loaded without one. */
export async function codeFingerprint(fn: FunctionDefinition): Promise<CodeFingerprint> {
  return fn.codeRevision ?? (await computeCodeRevision(fn.serviceDir));
}

/** Lambda's LastModified format: `2026-03-22T02:34:27.000+0000` (milliseconds, `+0000` rather than `Z`). */
export function lambdaTimestamp(date: Date): string {
  return date.toISOString().replace("Z", "+0000");
}
