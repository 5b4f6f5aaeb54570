/** A mistake in how the command was called or in the manifest: exit status 2 with a clear message. */
import type { LambkinCode } from "../runtime/errors/lambkin-codes.js";

export class UsageError extends Error {
  readonly code: LambkinCode;

  constructor(message: string, code: LambkinCode = "LKN_ERR_CLI_USAGE") {
    super(message);
    this.code = code;
  }
}

export const EXIT_OK = 0;
export const EXIT_FUNCTION_ERROR = 1;
export const EXIT_USAGE = 2;
