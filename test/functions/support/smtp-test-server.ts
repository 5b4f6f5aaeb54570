/**
 * A real SMTP server (nodemailer's smtp-server) for a test file, on a free loopback port, that keeps every message
 * it accepts, parsed by mailparser, and can be told to refuse: a recipient with 550 (onRcptTo), or the message
 * after its data with 554 (onData), as a mail server refusing mail does
 * (https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3).
 */
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export type Refusal = "none" | "recipient" | "data";

export interface SmtpTestServer {
  readonly port: number;
  /** `smtp://127.0.0.1:<port>`: what the mail function's SMTP_URL names. */
  readonly url: string;
  readonly messages: ParsedMail[];
  refuse(refusal: Refusal): void;
  close(): Promise<void>;
}

export async function startSmtpTestServer(): Promise<SmtpTestServer> {
  const messages: ParsedMail[] = [];
  let refusal: Refusal = "none";
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refusal === "recipient") {
        callback(Object.assign(new Error("Mailbox unavailable"), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          if (refusal === "data") {
            callback(Object.assign(new Error("Transaction failed: message refused"), { responseCode: 554 }));
            return;
          }
          messages.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    refuse(next) {
      refusal = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
