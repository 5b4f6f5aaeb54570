/**
 * Lists the files of Debian packages installed on the host (`dpkg -L`), minus documentation, so that
 * an offline image gets the same bash, coreutils, curl and python3 the host runs — the "Debian
 * packages" way of building without a registry.
 */
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const SKIPPED = [
  /^\/usr\/share\/(doc|man|info|locale|lintian|bash-completion|menu)\//,
  /\/__pycache__\/.*\.opt-[12]\.pyc$/,
];

export function isInstalled(pkg: string): boolean {
  try {
    // dpkg-query's own format syntax, not a template placeholder.
    const format = "-f=$" + "{Status}";
    const status = execFileSync("dpkg-query", ["-W", format, pkg], {
      encoding: "utf8",
      stdio: "pipe",
    });
    return status.trim() === "install ok installed";
  } catch {
    return false;
  }
}

/**
 * Regular files and symlinks of `pkg` on the host (directories are implied by them), with the Python
 * byte code Debian compiles at install time: the image's root filesystem is read-only, so without it
 * python would recompile its standard library at every start.
 */
export function packageFiles(pkg: string): string[] {
  const listing = execFileSync("dpkg", ["-L", pkg], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const files = listing
    .split("\n")
    .filter((path) => path.startsWith("/") && !SKIPPED.some((pattern) => pattern.test(path)))
    .filter((path) => {
      try {
        return !lstatSync(path).isDirectory();
      } catch {
        return false; // listed but removed on this host (e.g. by a later package's diversion)
      }
    });
  return [...files, ...files.flatMap(compiledPython)];
}

function compiledPython(path: string): string[] {
  const match = /^(.*)\.py$/.exec(basename(path));
  const version = hostPythonVersion()?.replace(".", "");
  if (!match || !version) return [];
  const pyc = join(dirname(path), "__pycache__", `${match[1]}.cpython-${version}.pyc`);
  return existsSync(pyc) ? [pyc] : [];
}

let pythonVersion: string | null | undefined;

/** `3.11` for the host's Debian python3, or undefined when there is none. */
export function hostPythonVersion(): string | undefined {
  if (pythonVersion === undefined) {
    pythonVersion = null;
    if (isInstalled("python3-minimal")) {
      try {
        pythonVersion = /python(\d+\.\d+)$/.exec(realpathSync("/usr/bin/python3"))?.[1] ?? null;
      } catch {}
    }
  }
  return pythonVersion ?? undefined;
}
