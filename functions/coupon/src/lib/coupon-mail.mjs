// The coupon's e-mail, sent with nodemailer over SMTP: SMTP_URL names the server, its port, TLS and credentials
// (smtp://user:pass@host:587 upgrades with STARTTLS, smtps:// is TLS from the start). On AWS that is SES's SMTP
// interface (https://docs.aws.amazon.com/ses/latest/dg/send-email-smtp.html); locally, Lambkin's mail service.
// The timeouts keep a server that does not answer from holding the function until Lambda's own timeout. A
// transport that does not pool opens a connection per message anyway, so one is made per message, from the
// setting as it is then.
import nodemailer from "nodemailer";
import { setting } from "./aws-clients.mjs";
import { formattedAmount } from "./coupon-pdf.mjs";

function smtp() {
  return nodemailer.createTransport({
    url: setting("SMTP_URL"),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 15_000,
  });
}

/** Resolves once the server accepted the message (its id), rejects when it refused it or could not be reached. */
export async function sendCouponMail(coupon, pdf) {
  const info = await smtp().sendMail({
    from: setting("MAIL_FROM"),
    to: coupon.email,
    subject: `Your coupon ${coupon.code}`,
    text: [
      "Thank you for your purchase.",
      "",
      `Your coupon code is ${coupon.code}, worth ${formattedAmount(coupon.amount)}.`,
      "The coupon is attached as a PDF.",
    ].join("\n"),
    headers: { "X-Coupon-Id": coupon.id },
    attachments: [{ filename: `coupon-${coupon.code}.pdf`, content: Buffer.from(pdf), contentType: "application/pdf" }],
  });
  return info.messageId;
}
