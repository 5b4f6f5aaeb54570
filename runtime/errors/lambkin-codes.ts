/**
 * The catalogue of Lambkin's OWN errors and warnings, one stable code each (as fastify's
 * `FST_ERR_*` / `FSTWRN*`). A code is an interface: people grep logs and scripts match on it, so a
 * code is never renamed or reused; a retired one stays listed as retired. `docs/codes.md` documents
 * every code, and a test checks that the two lists agree.
 *
 * AWS's own error types (`Runtime.ExitError`, `ResourceNotFoundException`, …) are NOT in here: they
 * are what Lambda reports and Lambkin reproduces them verbatim. These codes are for what only
 * Lambkin says: a manifest it refuses, a host it cannot isolate on, a setting it does not reproduce.
 *
 * Naming: `LKN_ERR_<AREA>_<WHAT>` for errors (something refused or failed), `LKN_WRN_<AREA>_<WHAT>`
 * for warnings (Lambkin goes on, but behaves differently from AWS or from what was asked).
 */

export interface CodeEntry {
  readonly kind: "error" | "warning";
  /** One sentence: when this code appears. */
  readonly summary: string;
}

export const LAMBKIN_CODES = {
  LKN_ERR_MANIFEST_INVALID: {
    kind: "error",
    summary: "A serverless.yml cannot be loaded: the message names the file, the key path and the fix.",
  },
  LKN_WRN_MANIFEST_UNSUPPORTED: {
    kind: "warning",
    summary: "A serverless.yml setting changes how code runs on AWS, and Lambkin does not reproduce it yet.",
  },
  LKN_WRN_SANDBOX_PROCESS_UNISOLATED: {
    kind: "warning",
    summary:
      "The process sandbox runs functions unisolated on this host (not root, no bubblewrap, or LAMBKIN_PROCESS_ISOLATION=off): it is not a security boundary.",
  },
  LKN_ERR_SANDBOX_ISOLATION_UNAVAILABLE: {
    kind: "error",
    summary:
      "LAMBKIN_PROCESS_ISOLATION=on, but this host cannot isolate the process sandbox; the message says why.",
  },
  LKN_ERR_SANDBOX_CODE_UNREADABLE: {
    kind: "error",
    summary:
      "An isolated environment cannot read its function's code (a folder not 755, a bootstrap not executable by others): the invocation fails at init.",
  },
} as const satisfies Record<string, CodeEntry>;

export type LambkinCode = keyof typeof LAMBKIN_CODES;

/** `[LKN_…] message`: how a coded message reads in a log line or on the terminal. */
export function coded(code: LambkinCode, message: string): string {
  return `[${code}] ${message}`;
}
