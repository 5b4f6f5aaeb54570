// A visitor buys a coupon through the coupon shop's SPA in a real browser (playwright-core driving Debian's
// chromium, which scripts/prepare-test-host.sh installs) and watches it go paid → PDF ready → mailed, served by
// `lambkin dev` on one port (the site as serverless-finch would deploy it, the HTTP API, the local cloud). The final
// page is kept as a screenshot: test-output/coupon-shop-mailed.png.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../bench/redis-server.js";
import { type LambkinProcess, ROOT, startLambkin, stopLambkin } from "../cli/cluster-process.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OUTPUT = join(ROOT, "test-output");

describe("the coupon shop in a browser", { timeout: 180_000 }, () => {
  let shop: LambkinProcess;
  let browser: Browser;
  beforeAll(async () => {
    const smtpPort = await freePort();
    shop = await startLambkin("dev", join(ROOT, "functions", "coupon"), {
      LAMBKIN_SMTP_PORT: String(smtpPort),
      COUPON_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    });
    // As root chromium needs --no-sandbox; its own sandbox is not what is under test.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await browser?.close();
    await stopLambkin(shop);
  });

  it("buys a coupon and sees it mailed", async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on("pageerror", (error) => failed.push(String(error)));
    await page.goto(shop.url);
    await page.fill("#email", "lovelace@example.com");
    await page.fill("#amount", "25");
    await page.fill("#payment-reference", "pay_browser_1");
    await page.click("#submit");
    await page.waitForSelector(
      '#status[data-status="paid"], #status[data-status="pdf_ready"], #status[data-status="mailed"]',
      {
        timeout: 30_000,
      },
    );
    const code = (await page.textContent("#coupon-code"))?.trim() ?? "";
    expect(code.length).toBeGreaterThan(3);
    await page.waitForSelector('#status[data-status="mailed"]', { timeout: 90_000 });
    mkdirSync(OUTPUT, { recursive: true });
    const screenshot = join(OUTPUT, "coupon-shop-mailed.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`coupon shop screenshot: ${screenshot}`);

    // The mail really went: Lambkin's mail service has it, to that address, with the PDF.
    const mails = (await (await fetch(`${shop.url}/_lambkin/mail`)).json()) as {
      to: string[];
      subject: string;
      attachments: { contentType: string }[];
    }[];
    const mail = mails.find((candidate) => candidate.to.includes("lovelace@example.com"));
    expect(mail?.attachments.map((attachment) => attachment.contentType)).toEqual(["application/pdf"]);
    expect(mail?.subject).toContain(code);
    expect(failed).toEqual([]);
  });
});
