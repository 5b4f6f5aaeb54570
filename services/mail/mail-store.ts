/**
 * The local mail service's messages: every message the SMTP server accepts, kept as received (`<id>.eml`) with
 * what a person or a test wants to see of it (`<id>.json`: from, to, subject, date, attachments), under Lambkin's
 * state folder (`<state>/mail/`), so that they survive a restart. Listing is oldest first. The store holds at most
 * MAX_MESSAGES: past that the oldest are removed, so a function that mails in a loop cannot fill the disk.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface MailAttachment {
  readonly filename: string | null;
  readonly contentType: string;
  readonly size: number;
}

export interface MailSummary {
  readonly id: string;
  readonly from: string | null;
  readonly to: readonly string[];
  readonly subject: string | null;
  /** When Lambkin received it, ISO 8601. */
  readonly date: string;
  readonly attachments: readonly MailAttachment[];
  /** The SMTP envelope: who the client said it is and the recipients it gave (RCPT TO), which headers may hide. */
  readonly envelope: { readonly from: string | null; readonly to: readonly string[] };
  readonly size: number;
}

export const MAX_MESSAGES = 10_000;
const ID = /^[0-9a-z]{10,16}-[0-9a-f]{8}$/;

export class MailStore {
  private sequence = 0;

  constructor(readonly dir: string) {}

  async open(): Promise<this> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return this;
  }

  /** A new id that sorts after every earlier one: time in base 36, a counter, random bits. */
  private newId(): string {
    const time = (Date.now() * 1000 + (this.sequence++ % 1000)).toString(36).padStart(12, "0");
    return `${time}-${randomBytes(4).toString("hex")}`;
  }

  async add(raw: Buffer, summary: Omit<MailSummary, "id" | "date" | "size">): Promise<MailSummary> {
    const stored: MailSummary = {
      id: this.newId(),
      date: new Date().toISOString(),
      size: raw.length,
      ...summary,
    };
    await writeFile(join(this.dir, `${stored.id}.eml`), raw, { mode: 0o600 });
    // The summary last: a message is listed only once its raw form is on disk.
    await writeFile(join(this.dir, `${stored.id}.json`), JSON.stringify(stored), { mode: 0o600 });
    await this.trim();
    return stored;
  }

  async list(): Promise<MailSummary[]> {
    const ids = await this.ids();
    const summaries: MailSummary[] = [];
    for (const id of ids) {
      const text = await readFile(join(this.dir, `${id}.json`), "utf8").catch(() => undefined);
      if (text === undefined) continue;
      try {
        summaries.push(JSON.parse(text) as MailSummary);
      } catch {
        // A summary cut short by a crash: the message is skipped, not the list.
      }
    }
    return summaries;
  }

  /** The message as received, or undefined for an id that is not one (or not a well-formed id at all). */
  async raw(id: string): Promise<Buffer | undefined> {
    if (!ID.test(id)) return undefined;
    return readFile(join(this.dir, `${id}.eml`)).catch(() => undefined);
  }

  /** Removes every message; resolves with how many there were. */
  async clear(): Promise<number> {
    const ids = await this.ids();
    for (const id of ids) await this.remove(id);
    return ids.length;
  }

  private async ids(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names
      .filter((name) => name.endsWith(".json"))
      .map((name) => name.slice(0, -".json".length))
      .filter((id) => ID.test(id))
      .sort();
  }

  private async remove(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.json`), { force: true });
    await rm(join(this.dir, `${id}.eml`), { force: true });
  }

  private async trim(): Promise<void> {
    const ids = await this.ids();
    for (const id of ids.slice(0, Math.max(0, ids.length - MAX_MESSAGES))) await this.remove(id);
  }
}
