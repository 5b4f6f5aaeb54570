/**
 * An environment that cannot even start fails its invocation with the error Lambda reports for it,
 * rather than with a generic crash: `Runtime.InvalidEntrypoint` for a missing or non-executable
 * bootstrap (RIE rie/run.go searches /var/task/bootstrap, /opt/bootstrap).
 */
export class SandboxStartError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = "SandboxStartError";
  }
}

export function missingBootstrap(): SandboxStartError {
  return new SandboxStartError(
    "Runtime.InvalidEntrypoint",
    "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
  );
}
