/**
 * The embedded queue's SQLite file: opening it, owning it, and its table. One table holds every job, in one
 * of three states — `waiting` (ready, or delayed while run_at is in the future), `leased` (held by a handler
 * until lease_until) and `dead` (a dead letter) — so that each move is one UPDATE in one transaction.
 *
 * Durability: WAL journal with synchronous=FULL. In WAL mode, NORMAL already survives the death of the
 * process (a SIGKILL: committed pages are in the OS's cache), but not a power cut or a kernel crash, which
 * can lose the last transactions; FULL syncs the WAL at every commit, so an enqueue that resolved (the
 * caller answered 202) survives those too. The queue steps down to NORMAL for its own bookkeeping (leases,
 * outcomes: embedded-job-queue.ts), which nobody was promised. Enqueues that arrive together are committed together (one
 * transaction, one sync), which keeps the cost of FULL low under load (bench/queue-bench.ts measures it).
 * https://www.sqlite.org/pragma.html#pragma_synchronous, https://www.sqlite.org/wal.html
 *
 * Ownership: the file is opened with locking_mode=EXCLUSIVE and an exclusive transaction at once, so the
 * connection holds SQLite's lock for its whole life. A second Lambkin on the same state folder (another
 * process, or a second open in this one) gets SQLITE_BUSY and fails with LKN_ERR_QUEUE_STATE_LOCKED. The lock
 * is the operating system's: it goes with the process, so a SIGKILLed Lambkin leaves no stale lock behind.
 * Since only one process can ever hold the file, every lease found at open belongs to a dead process and is
 * released at once (a stall: no attempt counted).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { QueueStateLockedError, QueueUnavailableError } from "../interfaces/queue-errors.js";

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  data TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'leased', 'dead')),
  run_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  deliveries INTEGER NOT NULL DEFAULT 0,
  stalls INTEGER NOT NULL DEFAULT 0,
  errors TEXT NOT NULL DEFAULT '[]',
  enqueued_at INTEGER NOT NULL,
  dead_condition TEXT,
  dead_reason TEXT,
  dead_at INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, run_at, seq);
`;

export interface JobRow {
  readonly seq: number;
  readonly id: string;
  readonly data: string;
  readonly state: "waiting" | "leased" | "dead";
  readonly run_at: number;
  readonly lease_owner: string | null;
  readonly lease_until: number | null;
  readonly attempts: number;
  readonly deliveries: number;
  readonly stalls: number;
  readonly errors: string;
  readonly enqueued_at: number;
  readonly dead_condition: string | null;
  readonly dead_reason: string | null;
  readonly dead_at: number | null;
}

export interface OpenedStore {
  readonly db: Database.Database;
  readonly file: string;
  /** Releases the lock and closes the file. */
  close(): void;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

/** Who holds the file, from the note the holder leaves beside it (best effort: for the message only). */
function holder(ownerFile: string): string {
  try {
    const owner = JSON.parse(readFileSync(ownerFile, "utf8")) as { pid?: unknown; since?: unknown };
    return ` (Lambkin pid ${String(owner.pid)}, since ${String(owner.since)})`;
  } catch {
    return "";
  }
}

export function openStore(stateDir: string, name: string, synchronous: "FULL" | "NORMAL"): OpenedStore {
  const file = join(stateDir, `${name}.sqlite`);
  const ownerFile = `${file}.owner`;
  try {
    mkdirSync(stateDir, { recursive: true });
  } catch (error) {
    throw new QueueUnavailableError(
      `cannot create the state folder ${stateDir}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let db: Database.Database;
  try {
    // A short busy timeout: a held lock is not going to be released for us, so say so at once.
    db = new Database(file, { timeout: 200 });
  } catch (error) {
    throw new QueueUnavailableError(`cannot open the queue file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous}`);
    db.exec("BEGIN EXCLUSIVE; COMMIT;"); // take the lock now, not at the first write
    db.exec(SCHEMA);
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version === 0) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    else if (version !== SCHEMA_VERSION) {
      throw new QueueUnavailableError(
        `the queue file ${file} has schema version ${version}; this Lambkin reads version ${SCHEMA_VERSION}`,
      );
    }
  } catch (error) {
    db.close();
    if (isBusy(error)) {
      throw new QueueStateLockedError(
        `the state folder ${stateDir} is used by another Lambkin process${holder(ownerFile)}: ` +
          "stop it, or give this one another folder (--state DIR or LAMBKIN_STATE_DIR)",
        { cause: error },
      );
    }
    if (error instanceof QueueUnavailableError) throw error;
    throw new QueueUnavailableError(`cannot open the queue file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    writeFileSync(ownerFile, `${JSON.stringify({ pid: process.pid, since: new Date().toISOString() })}\n`);
  } catch {
    // The note only improves the locked message; the lock itself is SQLite's.
  }
  return {
    db,
    file,
    close() {
      if (!db.open) return;
      db.close();
      rmSync(ownerFile, { force: true });
    },
  };
}
