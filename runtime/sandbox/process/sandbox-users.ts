/**
 * The unprivileged users isolated process environments run as: one uid per live environment, taken
 * from a reserved range (LAMBKIN_SANDBOX_UID_BASE, 65,536 uids) and shared safely by every Lambkin on
 * the host, with a private /tmp directory owned by it. Lambda runs functions as an unprivileged user
 * (sbx_user1051) with a /tmp of their own (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html);
 * a uid of its own also lets the Runtime API tell an environment's runtime apart from every other
 * process on the host (peer-credentials.ts).
 *
 * A uid is claimed with a lock file created atomically in a root-only directory, naming its owner
 * (pid and start time); the lock of an owner that died (a SIGKILLed Lambkin) is taken over. The caller
 * releases a uid only once no process of it is left (anyProcessOf), so that a straggler can never
 * reach the next environment given the same uid.
 */
import { randomInt } from "node:crypto";
import {
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/** Far from real users (Debian: 1000–59999), subuid ranges (100000+) and Lambda's own 993. */
export const DEFAULT_UID_BASE = 2_000_000_000;
export const UID_RANGE_SIZE = 65_536;
export const DEFAULT_STATE_DIR = "/var/lib/lambkin/process-sandbox";

export interface SandboxUser {
  readonly uid: number;
  /** Mounted as the environment's /tmp: empty, owned by uid, mode 0700. */
  readonly tmpDir: string;
  /**
   * Mounted as the environment's /etc/passwd: the host's, plus a line naming this uid `sbx_user1051`, as Lambda
   * names its function user. Without an entry, `os.homedir()` fails (uv_os_homedir: ENOENT) when HOME is unset,
   * as it is on Lambda — and the AWS SDK for JavaScript asks for it to look for ~/.aws/config.
   */
  readonly passwdFile: string;
  /** Removes the /tmp directory and frees the uid. Only once no process of the uid is left. */
  release(): void;
}

export class SandboxUsers {
  private readonly ownerTag = `${process.pid} ${processStartTime(process.pid) ?? "?"}`;

  constructor(
    readonly base: number,
    private readonly stateDir = DEFAULT_STATE_DIR,
  ) {}

  /** Makes the state directory (root only) and clears what Lambkins that died left in it. */
  prepare(): void {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(this.stateDir);
    if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) {
      throw new Error(`${this.stateDir} must be a directory of Lambkin's own user, writable by it alone`);
    }
    for (const entry of readdirSync(this.stateDir)) {
      const uid = /^uid-(\d+)\.lock$/.exec(entry)?.[1];
      if (uid !== undefined) this.reclaimIfStale(Number(uid));
    }
  }

  allocate(): SandboxUser {
    const start = randomInt(UID_RANGE_SIZE);
    for (let i = 0; i < UID_RANGE_SIZE; i++) {
      const uid = this.base + ((start + i) % UID_RANGE_SIZE);
      if (this.claim(uid) || (this.reclaimIfStale(uid) && this.claim(uid))) return this.userOf(uid);
    }
    throw new Error(`every uid from ${this.base} to ${this.base + UID_RANGE_SIZE - 1} is in use`);
  }

  private userOf(uid: number): SandboxUser {
    const tmpDir = join(this.stateDir, `tmp-${uid}`);
    const passwdFile = join(this.stateDir, `passwd-${uid}`);
    try {
      rmSync(tmpDir, { recursive: true, force: true });
      mkdirSync(tmpDir, { mode: 0o700 });
      chownSync(tmpDir, uid, uid);
      writeFileSync(
        passwdFile,
        `${hostPasswd()}sbx_user1051:x:${uid}:${uid}::/home/sbx_user1051:/sbin/nologin\n`,
        {
          mode: 0o644,
        },
      );
    } catch (error) {
      this.unlock(uid);
      throw error;
    }
    let released = false;
    return {
      uid,
      tmpDir,
      passwdFile,
      release: () => {
        if (released) return;
        released = true;
        rmSync(tmpDir, { recursive: true, force: true });
        rmSync(passwdFile, { force: true });
        this.unlock(uid);
      },
    };
  }

  private lockPath(uid: number): string {
    return join(this.stateDir, `uid-${uid}.lock`);
  }

  /** Atomic: one lock file per uid, created with O_EXCL (via a link, so it is never seen half-written). */
  private claim(uid: number): boolean {
    const draft = join(this.stateDir, `draft-${process.pid}-${uid}`);
    writeFileSync(draft, this.ownerTag, { mode: 0o600 });
    try {
      linkSync(draft, this.lockPath(uid));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    } finally {
      unlinkSync(draft);
    }
  }

  private unlock(uid: number): void {
    try {
      unlinkSync(this.lockPath(uid));
    } catch {}
  }

  /**
   * Frees the lock of an owner that is gone, and its /tmp. The lock is first renamed away (atomic: one
   * reclaimer wins), then checked to still be the dead owner's; a lock claimed afresh in between is put back.
   */
  private reclaimIfStale(uid: number): boolean {
    const lock = this.lockPath(uid);
    const owner = readOrUndefined(lock);
    if (owner === undefined || isLiveOwner(owner)) return false;
    const aside = join(this.stateDir, `stale-${process.pid}-${uid}`);
    try {
      renameSync(lock, aside);
    } catch {
      return false; // another Lambkin reclaimed it first
    }
    if (readOrUndefined(aside) !== owner) {
      try {
        linkSync(aside, lock);
      } catch {}
      unlinkSync(aside);
      return false;
    }
    unlinkSync(aside);
    // Its processes died with their pid namespace (bwrap --die-with-parent) when the owner died.
    if (!anyProcessOf(uid)) rmSync(join(this.stateDir, `tmp-${uid}`), { recursive: true, force: true });
    return true;
  }
}

/** `pid starttime`: alive only if that pid still runs and is the same process (pids are reused). */
function isLiveOwner(tag: string): boolean {
  const [pid, started] = tag.split(" ");
  if (!pid || !/^\d+$/.test(pid)) return false;
  const now = processStartTime(Number(pid));
  return now !== undefined && String(now) === started;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
export function processStartTime(pid: number): number | undefined {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  const started = Number(fields[19]);
  return Number.isFinite(started) ? started : undefined;
}

/** Whether any live process runs with `uid` as its real, effective, saved or filesystem uid. */
export function anyProcessOf(uid: number): boolean {
  const id = String(uid);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const status = readOrUndefined(`/proc/${entry}/status`);
    if (!status) continue;
    if (/^State:\s+[ZX]/m.test(status)) continue;
    const uids = /^Uid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/) ?? [];
    if (uids.includes(id)) return true;
  }
  return false;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The host's /etc/passwd, ending in a newline (empty when it cannot be read). */
function hostPasswd(): string {
  try {
    const text = readFileSync("/etc/passwd", "utf8");
    return text === "" || text.endsWith("\n") ? text : `${text}\n`;
  } catch {
    return "";
  }
}
