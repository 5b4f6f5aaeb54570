// The talk's field study end to end on `lambkin dev` (issue #10), every part real: the coupon shop's unchanged
// handlers and serverless.yml (functions/coupon/), DynamoDB Local, Lambkin's S3, the stream poller, the queue and
// an SMTP server. A coupon bought over HTTP arrives as a mail whose PDF attachment holds its code; a retried
// purchase stores one payment; a mail server that refuses ends in the dead-letter store and a redrive delivers it;
// Lambkin killed in the middle of the chain loses nothing.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, ListTablesCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { simpleParser } from "mailparser";
import { PDFParse } from "pdf-parse";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../bench/redis-server.js";
import { type LambkinProcess, ROOT, startLambkin, stopLambkin } from "../cli/cluster-process.js";
import { eventually } from "../support/eventually.js";

const SHOP = join(ROOT, "functions", "coupon");

interface Coupon {
  readonly id: string;
  readonly code: string;
  readonly status: string;
  readonly email: string;
  readonly amount: number;
}

interface MailSummary {
  readonly id: string;
  readonly to: string[];
  readonly subject: string;
  readonly attachments: { filename: string; contentType: string; size: number }[];
}

/** An SMTP server the test controls: it refuses every message while `refusing` (a 451, as a full mailbox would). */
async function startSmtp(): Promise<{
  port: number;
  refusing: boolean;
  received: Buffer[];
  refused: number;
  close(): void;
}> {
  const state = {
    port: 0,
    refusing: true,
    received: [] as Buffer[],
    refused: 0,
    close: () => server.close(),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (state.refusing) {
          state.refused++;
          const error = Object.assign(new Error("4.2.2 mailbox full, try again later"), {
            responseCode: 451,
          });
          callback(error);
          return;
        }
        state.received.push(Buffer.concat(chunks));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.server.address() as AddressInfo).port;
  return state;
}

const running: LambkinProcess[] = [];

async function startShop(env: NodeJS.ProcessEnv): Promise<LambkinProcess> {
  const dev = await startLambkin("dev", SHOP, {
    // Lambda's retries of the mail step in a second or two rather than minutes.
    LAMBKIN_ASYNC_RETRY_DELAYS: "1,1",
    ...env,
  });
  running.push(dev);
  return dev;
}

async function buy(url: string, body: Record<string, unknown>, key = randomUUID()): Promise<Response> {
  return fetch(`${url}/coupons`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify(body),
  });
}

async function couponOf(url: string, id: string): Promise<Coupon> {
  const response = await fetch(`${url}/coupons/${encodeURIComponent(id)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Coupon;
}

async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

/** The mail's PDF attachment, parsed by a real mail parser and a real PDF parser. */
async function pdfOfMail(raw: Buffer): Promise<{ subject: string; to: string; text: string }> {
  const mail = await simpleParser(raw);
  const pdf = mail.attachments.find((attachment) => attachment.contentType === "application/pdf");
  if (!pdf) throw new Error(`no PDF attached to "${mail.subject}"`);
  const to = Array.isArray(mail.to) ? (mail.to[0]?.text ?? "") : (mail.to?.text ?? "");
  return { subject: mail.subject ?? "", to, text: await pdfText(pdf.content) };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((process) => stopLambkin(process)));
});

describe("the coupon shop on lambkin dev", { timeout: 180_000 }, () => {
  const smtps: { close(): void }[] = [];
  afterAll(() => {
    for (const smtp of smtps) smtp.close();
  });

  it("mails a bought coupon's PDF, and a retried purchase charges once", async () => {
    const smtpPort = await freePort();
    const shop = await startShop({
      LAMBKIN_SMTP_PORT: String(smtpPort),
      COUPON_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    });
    const key = randomUUID();
    const order = { email: "ada@example.com", amount: 42.5, paymentReference: "pay_ada_1" };
    const created = await buy(shop.url, order, key);
    expect(created.status).toBe(201);
    const coupon = (await created.json()) as Coupon;
    expect(coupon).toMatchObject({ status: "paid", email: "ada@example.com", amount: 42.5 });
    expect(coupon.code).toMatch(/\S{6,}/);

    // The same request again (a client retrying after a timeout): the same coupon, no second payment.
    const retried = await buy(shop.url, order, key);
    expect(retried.status).toBeLessThan(300);
    expect(((await retried.json()) as Coupon).id).toBe(coupon.id);
    // The same key for another purchase is refused, not silently mixed up.
    expect((await buy(shop.url, { ...order, amount: 99 }, key)).status).toBe(422);

    const mail = await eventually(async () => {
      const list = (await (await fetch(`${shop.url}/_lambkin/mail`)).json()) as MailSummary[];
      const found = list.find((summary) => summary.to.includes("ada@example.com"));
      if (!found) throw new Error(`no mail yet: ${JSON.stringify(list)}`);
      return found;
    }, 60_000);
    expect(mail.attachments).toEqual([expect.objectContaining({ contentType: "application/pdf" })]);
    const raw = Buffer.from(await (await fetch(`${shop.url}/_lambkin/mail/${mail.id}/raw`)).arrayBuffer());
    const received = await pdfOfMail(raw);
    expect(received.text).toContain(coupon.code);
    expect(received.text).toMatch(/42[.,]50/);
    await eventually(async () => expect((await couponOf(shop.url, coupon.id)).status).toBe("mailed"));

    const listed = await fetch(`${shop.url}/coupons?email=${encodeURIComponent("ada@example.com")}`);
    expect(
      ((await listed.json()) as { coupons: Coupon[] }).coupons.map((listedCoupon) => listedCoupon.id),
    ).toEqual([coupon.id]);

    // Exactly one payment item was stored for the three requests with this key.
    const endpoints = (await (await fetch(`${shop.url}/_lambkin/endpoints`)).json()) as { dynamodb: string };
    const dynamodb = new DynamoDBClient({
      region: "us-east-1",
      endpoint: endpoints.dynamodb,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    try {
      const tables = (await dynamodb.send(new ListTablesCommand({}))).TableNames ?? [];
      const payments = tables.find((name) => /payment/i.test(name));
      expect(payments).toBeDefined();
      const items = (await dynamodb.send(new ScanCommand({ TableName: payments }))).Items ?? [];
      expect(items).toHaveLength(1);
    } finally {
      dynamodb.destroy();
    }
  });

  it("retries a refused mail, dead-letters it, and a redrive delivers it once the server recovers", async () => {
    const smtp = await startSmtp();
    smtps.push(smtp);
    const shop = await startShop({
      LAMBKIN_SMTP_PORT: "off",
      COUPON_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    });
    const coupon = (await (
      await buy(shop.url, { email: "grace@example.com", amount: 10, paymentReference: "pay_grace" })
    ).json()) as Coupon;
    type Letter = {
      id: string;
      functionName: string;
      condition: string;
      attempts: number;
      errors: unknown[];
    };
    const letter = await eventually(async () => {
      const letters = (await (await fetch(`${shop.url}/_lambkin/events`)).json()) as Letter[];
      const found = letters.find((candidate) => /mail/i.test(candidate.functionName));
      if (!found) throw new Error(`no dead letter yet (${smtp.refused} refused)`);
      return found;
    }, 60_000);
    expect(letter.condition).toBe("RetriesExhausted");
    expect(smtp.refused).toBe(letter.attempts);
    expect(letter.attempts).toBeGreaterThanOrEqual(2);
    // Refused is not mailed: the coupon waits with its PDF.
    expect((await couponOf(shop.url, coupon.id)).status).toBe("pdf_ready");

    smtp.refusing = false;
    const redrive = await fetch(`${shop.url}/_lambkin/events/${encodeURIComponent(letter.id)}/redrive`, {
      method: "POST",
    });
    expect(redrive.status).toBe(200);
    await eventually(async () => expect(smtp.received).toHaveLength(1), 30_000);
    expect((await pdfOfMail(smtp.received[0] as Buffer)).text).toContain(coupon.code);
    await eventually(async () => expect((await couponOf(shop.url, coupon.id)).status).toBe("mailed"));
    expect(await (await fetch(`${shop.url}/_lambkin/events`)).json()).toEqual([]);
  });

  it("loses nothing when Lambkin is killed in the middle of the chain", async () => {
    const smtp = await startSmtp();
    smtps.push(smtp);
    const state = mkdtempSync(join(tmpdir(), "lambkin-coupon-restart-"));
    const env = {
      LAMBKIN_STATE_DIR: state,
      LAMBKIN_SMTP_PORT: "off",
      COUPON_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      // Attempts far apart: the mail step is still waiting for its retry when Lambkin dies.
      LAMBKIN_ASYNC_RETRY_DELAYS: "3,3",
    };
    let shop = await startShop(env);
    // One coupon stuck at the mail step (refused once, its retry queued)…
    const stuck = (await (
      await buy(shop.url, { email: "stuck@example.com", amount: 5, paymentReference: "pay_stuck" })
    ).json()) as Coupon;
    await eventually(async () => expect(smtp.refused).toBeGreaterThanOrEqual(1), 60_000);
    // …and one whose purchase was just answered, with its stream record not yet read.
    const fresh = (await (
      await buy(shop.url, { email: "fresh@example.com", amount: 7, paymentReference: "pay_fresh" })
    ).json()) as Coupon;
    shop.child.kill("SIGKILL");
    await shop.exited;

    smtp.refusing = false;
    shop = await startShop(env);
    await eventually(async () => expect(smtp.received.length).toBeGreaterThanOrEqual(2), 60_000).catch(
      (error: unknown) => {
        throw new Error(
          `${String(error)}\n--- lambkin dev after the restart:\n${shop.output().slice(-6000)}`,
        );
      },
    );
    const texts = await Promise.all(smtp.received.map(async (raw) => (await pdfOfMail(raw)).text));
    expect(texts.some((text) => text.includes(stuck.code))).toBe(true);
    expect(texts.some((text) => text.includes(fresh.code))).toBe(true);
    for (const coupon of [stuck, fresh])
      await eventually(async () => expect((await couponOf(shop.url, coupon.id)).status).toBe("mailed"));
  });
});
