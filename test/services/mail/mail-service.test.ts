/**
 * The local mail service through a real `lambkin dev`: a message sent over SMTP with nodemailer (as a handler
 * sends through SES's SMTP interface, any credentials) is kept and listed by GET /_lambkin/mail and `lambkin mail`
 * with its attachments, served raw as received, and still there after a restart on the same state folder.
 */
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LambkinProcess, ROOT, startLambkin, stopLambkin } from "../../cli/cluster-process.js";
import { eventually } from "../../support/eventually.js";
import { runLambkin } from "../../support/run-lambkin.js";
import { freshStateDir } from "../../support/state-dir.js";

const HELLO = join(ROOT, "functions", "hello");

function smtpPortOf(dev: LambkinProcess): number {
  const match = /mail: SMTP on [\d.]+:(\d+)/.exec(dev.output());
  if (!match) throw new Error(`no SMTP line in:\n${dev.output()}`);
  return Number(match[1]);
}

describe("the local mail service", () => {
  const state = freshStateDir();
  let dev: LambkinProcess;
  beforeAll(async () => {
    dev = await startLambkin("dev", HELLO, { LAMBKIN_STATE_DIR: state });
  });
  afterAll(async () => {
    await stopLambkin(dev);
  });

  it("keeps a message sent over SMTP, with its attachments, and lists it", async () => {
    const transport = createTransport({
      host: "127.0.0.1",
      port: smtpPortOf(dev),
      secure: false,
      auth: { user: "AKIASESSMTPUSER", pass: "ses-smtp-password" },
    });
    const pdf = Buffer.from("%PDF-1.4\n% a tiny pdf\n%%EOF\n");
    await transport.sendMail({
      from: "shop@example.com",
      to: "buyer@example.com",
      subject: "Your coupon",
      text: "Here it is.",
      attachments: [{ filename: "coupon.pdf", content: pdf, contentType: "application/pdf" }],
    });
    transport.close();
    const list = (await (await fetch(`${dev.url}/_lambkin/mail`)).json()) as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      from: "shop@example.com",
      to: ["buyer@example.com"],
      subject: "Your coupon",
      attachments: [{ filename: "coupon.pdf", contentType: "application/pdf", size: pdf.length }],
      envelope: { from: "shop@example.com", to: ["buyer@example.com"] },
    });
    expect(Date.parse(String(list[0]?.date))).not.toBeNaN();
    const raw = await fetch(`${dev.url}/_lambkin/mail/${list[0]?.id}/raw`);
    expect(raw.headers.get("content-type")).toBe("message/rfc822");
    const parsed = await simpleParser(Buffer.from(await raw.arrayBuffer()));
    expect(parsed.attachments[0]?.content.equals(pdf)).toBe(true);

    const cli = await runLambkin(["mail", "--endpoint", dev.url]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(
      'shop@example.com → buyer@example.com  "Your coupon"  [coupon.pdf application/pdf',
    );
    const json = await runLambkin(["mail", "--json", "--endpoint", dev.url]);
    expect(JSON.parse(json.stdout)).toEqual(list);
  });

  it("answers 404 in Lambkin's JSON for an unknown message", async () => {
    for (const path of [
      "/_lambkin/mail/nope/raw",
      "/_lambkin/mail/..%2F..%2Fetc%2Fpasswd/raw",
      "/_lambkin/mail/x",
    ]) {
      const response = await fetch(`${dev.url}${path}`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { code: string }).code).toBe("LKN_ERR_MAIL_NOT_FOUND");
    }
  });

  it("still has the message after a restart on the same state folder", async () => {
    await stopLambkin(dev);
    dev = await startLambkin("dev", HELLO, { LAMBKIN_STATE_DIR: state });
    await eventually(async () => {
      const list = (await (await fetch(`${dev.url}/_lambkin/mail`)).json()) as { subject: string }[];
      expect(list.map((mail) => mail.subject)).toEqual(["Your coupon"]);
    });
  });
});
