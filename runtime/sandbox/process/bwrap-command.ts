/**
 * The command line that runs one environment isolated with bubblewrap (bwrap, Debian's package), the
 * tool Flatpak uses for this job, rather than namespace code of Lambkin's own:
 * - pid, IPC, UTS and cgroup namespaces of its own: the environment sees only its own processes (not
 *   Lambkin, nor other environments, nor their /proc/<pid>/environ); when the namespace's init dies the
 *   kernel kills everything in it, so no process it starts (setsid, double fork) outlives it;
 * - a mount namespace holding only /usr, /etc and the top-level links to them (read-only), its code
 *   and the runtime (read-only, at their host paths, so stack traces point at real files), a fresh
 *   /proc and a minimal /dev, and a private /tmp: no home directories, no /var (no Docker socket),
 *   no other service's files;
 * - `--die-with-parent`: the sandbox dies with Lambkin, even when Lambkin is SIGKILLed;
 * - then setpriv drops to the environment's own unprivileged uid and gid, with no supplementary groups,
 *   no capabilities (inheritable, ambient, bounding) and no_new_privs (setuid binaries do not elevate).
 * Lambkin runs bwrap as root, so bwrap needs no user namespace. The network is the host's: the Runtime
 * API listens on 127.0.0.1 and checks who connects (peer-credentials.ts).
 */
import { lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

export const BWRAP = "/usr/bin/bwrap";
export const SETPRIV = "/usr/bin/setpriv";
/** The file descriptor bwrap writes `{"child-pid": …}` to: the host pid of the namespace's init. */
export const INFO_FD = 3;

export interface IsolatedLaunch {
  readonly uid: number;
  /** The environment's private /tmp on the host. */
  readonly tmpDir: string;
  /** Mounted over /etc/passwd, naming the environment's uid (sandbox-users.ts). */
  readonly passwdFile?: string;
  /** The working directory and LAMBDA_TASK_ROOT: the service folder. */
  readonly taskRoot: string;
  /** Further host paths the runtime needs, read-only at the same path (the bootstrap, node's install). */
  readonly readOnly: readonly string[];
  readonly command: string;
  readonly args: readonly string[];
}

/** Debian's merged /usr makes these links into /usr; older layouts have real directories. */
const ROOT_LINKS = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"];
const SYSTEM_PREFIXES = ["/usr/", "/etc/"];

export function bwrapArguments(launch: IsolatedLaunch): string[] {
  const id = String(launch.uid);
  return [
    "--die-with-parent",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--info-fd",
    String(INFO_FD),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--ro-bind",
    "/usr",
    "/usr",
    ...rootLinks(),
    "--ro-bind",
    "/etc",
    "/etc",
    ...etcLinkTargets(),
    ...(launch.passwdFile ? ["--ro-bind", launch.passwdFile, "/etc/passwd"] : []),
    // /tmp first: a service folder that lives under the host's /tmp is then mounted on top of it.
    "--bind",
    launch.tmpDir,
    "/tmp",
    ...codeMounts([launch.taskRoot, ...launch.readOnly]),
    "--chdir",
    launch.taskRoot,
    "--",
    SETPRIV,
    "--reuid",
    id,
    "--regid",
    id,
    "--clear-groups",
    "--inh-caps=-all",
    "--ambient-caps=-all",
    "--bounding-set=-all",
    "--no-new-privs",
    "--",
    launch.command,
    ...launch.args,
  ];
}

/**
 * The `node_modules` folders of the service folder's ancestors, which Node's module resolution walks up
 * to: a monorepo's hoisted dependencies (npm/yarn/pnpm workspaces) live there. Mounted read-only, so
 * that a service runs locally as it does in its repository; on AWS only the deployment package exists,
 * and what it lacks fails there with Runtime.ImportModuleError (docs/lambda-behaviour.md §2.1).
 */
export function ancestorNodeModules(taskRoot: string): string[] {
  const found: string[] = [];
  for (let dir = dirname(taskRoot); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules");
    try {
      if (statSync(candidate).isDirectory()) found.push(candidate);
    } catch {
      // None at this level.
    }
    if (dir === dirname(dir)) return found;
  }
}

/** Where node is installed: its prefix (`<prefix>/bin/node`), to be mounted when not under /usr. */
export function nodeInstallPrefix(execPath = process.execPath): string {
  return dirname(dirname(realpathOr(execPath)));
}

function rootLinks(): string[] {
  const args: string[] = [];
  for (const name of ROOT_LINKS) {
    const path = `/${name}`;
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(path), path);
      else if (stat.isDirectory()) args.push("--ro-bind", path, path);
    } catch {
      // Not on this host.
    }
  }
  return args;
}

/** /etc/resolv.conf is often a link into /run (systemd-resolved): its target must be there too. */
function etcLinkTargets(): string[] {
  const args: string[] = [];
  for (const path of ["/etc/resolv.conf", "/etc/localtime"]) {
    const target = realpathOr(path);
    if (target !== path && !SYSTEM_PREFIXES.some((prefix) => target.startsWith(prefix))) {
      args.push("--ro-bind-try", target, target);
    }
  }
  return args;
}

/**
 * Each path read-only at its host path. bwrap would create the missing parents with mode 0700, which
 * the environment's user could not cross: they are made first, 0755, as on the host.
 */
function codeMounts(paths: readonly string[]): string[] {
  const targets = uniqueOutsideSystem(paths);
  const parents = new Set<string>();
  for (const target of targets) {
    for (let parent = dirname(target); parent !== "/" && parent !== "/tmp"; parent = dirname(parent)) {
      parents.add(parent);
    }
  }
  const byDepth = [...parents].sort((a, b) => a.split("/").length - b.split("/").length);
  return [
    ...byDepth.flatMap((parent) => ["--dir", parent]),
    ...targets.flatMap((target) => ["--ro-bind", realpathOr(target), target]),
  ];
}

/** Paths under /usr or /etc are there already; a path inside another one needs no mount of its own. */
function uniqueOutsideSystem(paths: readonly string[]): string[] {
  const outside = [...new Set(paths)].filter(
    (path) => path !== "/" && !SYSTEM_PREFIXES.some((prefix) => `${path}/`.startsWith(prefix)),
  );
  return outside.filter((path) => !outside.some((other) => other !== path && path.startsWith(`${other}/`)));
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
