/**
 * An isolated environment's user owns none of the function's files, so it reads them as "others"
 * do: Lambda's own rule for a deployment package, 755 for folders and 644 for files
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-package.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-deployment.html). A service folder
 * that others cannot open (mkdtemp makes them 0700) would only show up as a confusing
 * "Cannot find module": it fails at init instead, saying what to change.
 */
import { accessSync, constants, statSync } from "node:fs";
import { coded } from "../../errors/lambkin-codes.js";
import { SandboxStartError } from "../sandbox-start-error.js";

const OTHERS_READ_AND_SEARCH = 0o005;
const OTHERS_EXECUTE = 0o001;

export function checkCodeReadableByOthers(taskRoot: string, errorType: string, bootstrap?: string): void {
  const mode = modeOf(taskRoot);
  if (mode !== undefined && (mode & OTHERS_READ_AND_SEARCH) !== OTHERS_READ_AND_SEARCH) {
    throw unreadable(errorType, `the folder ${taskRoot} is mode ${octal(mode)}`, taskRoot);
  }
  const bootstrapMode = bootstrap === undefined ? undefined : modeOf(bootstrap);
  if (bootstrap !== undefined && bootstrapMode !== undefined && (bootstrapMode & OTHERS_EXECUTE) === 0) {
    throw unreadable(errorType, `${bootstrap} is mode ${octal(bootstrapMode)}`, taskRoot);
  }
}

function unreadable(errorType: string, what: string, taskRoot: string): SandboxStartError {
  return new SandboxStartError(
    errorType,
    coded(
      "LKN_ERR_SANDBOX_CODE_UNREADABLE",
      `The function's code cannot be read by the unprivileged user it runs as: ${what}. Lambda requires 755 for folders and 644 for files (and 755 for an executable bootstrap): chmod -R o+rX ${taskRoot}`,
    ),
  );
}

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return undefined; // missing: the runtime reports it as Lambda does
  }
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

/** Whether this process may execute `path` (a tool, a bootstrap). */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
