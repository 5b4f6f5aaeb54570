/**
 * The local mail service: an SMTP server (nodemailer's smtp-server) that accepts every message — as SES's SMTP
 * interface would accept a handler's mail on AWS — and keeps it in the MailStore, parsed by mailparser for its
 * summary. Any credentials are accepted (handlers send with their SES SMTP user and password unchanged); no TLS
 * (a local port). A message over MAX_MESSAGE_BYTES is refused with SMTP's 552 while it arrives, never buffered.
 * https://docs.aws.amazon.com/ses/latest/dg/send-email-smtp.html
 */
import type { AddressInfo } from "node:net";
import { type AddressObject, simpleParser } from "mailparser";
import type { Logger } from "pino";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import type { MailStore, MailSummary } from "./mail-store.js";

/** SES's limit for a message sent through its SMTP interface is 40 MB; 25 MB is the common SMTP SIZE. */
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

export interface MailServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

export interface MailServerOptions {
  readonly store: MailStore;
  readonly port: number;
  readonly host: string;
  readonly logger: Logger;
  /** Called with each message kept. */
  readonly onMessage?: (summary: MailSummary) => void;
}

export async function startMailServer(options: MailServerOptions): Promise<MailServer> {
  const server = new SMTPServer({
    name: "lambkin.local",
    banner: "Lambkin's local mail service",
    authOptional: true,
    onAuth: (_auth, _session, callback) => callback(null, { user: "local" }),
    disabledCommands: ["STARTTLS"],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData: (stream, session, callback) => {
      receive(stream, session, options).then(
        () => callback(),
        (error: Error & { responseCode?: number }) => callback(error),
      );
    },
  });
  server.on("error", (error) => options.logger.warn({ err: error }, "mail service: SMTP connection error"));
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.server.once("error", onError);
    server.listen(options.port, options.host, () => {
      server.server.off("error", onError);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    host: options.host,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function receive(
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  options: MailServerOptions,
): Promise<void> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    // smtp-server keeps reading past the SIZE limit (to answer after the data); nothing past it is kept.
    if (bytes <= MAX_MESSAGE_BYTES) chunks.push(chunk);
  }
  if (stream.sizeExceeded) {
    throw Object.assign(new Error(`Message exceeds the ${MAX_MESSAGE_BYTES} bytes this server takes`), {
      responseCode: 552,
    });
  }
  const raw = Buffer.concat(chunks);
  const parsed = await simpleParser(raw, {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
  });
  const summary = await options.store.add(raw, {
    from: parsed.from?.text ?? null,
    to: addresses(parsed.to),
    subject: parsed.subject ?? null,
    attachments: parsed.attachments.map((attachment) => ({
      filename: attachment.filename ?? null,
      contentType: attachment.contentType,
      size: attachment.size,
    })),
    envelope: {
      from: session.envelope.mailFrom === false ? null : session.envelope.mailFrom.address,
      to: session.envelope.rcptTo.map((recipient) => recipient.address),
    },
  });
  options.onMessage?.(summary);
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((object) =>
    object.value.map((address) => address.address ?? "").filter((a) => a !== ""),
  );
}
