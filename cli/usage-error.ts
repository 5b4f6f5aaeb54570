/** A mistake in how the command was called or in the manifest: exit status 2 with a clear message. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_FUNCTION_ERROR = 1;
export const EXIT_USAGE = 2;
