/**
 * What `lambkin dev` starts for mail: the MailStore under the state folder and the SMTP server on
 * LAMBKIN_SMTP_PORT (default 1025, the port local mail catchers use; `0` any free port; `off` none). A port that is
 * taken is not fatal — `lambkin dev` goes on without SMTP and says so (LKN_WRN_MAIL_PORT_IN_USE) — since most
 * services send no mail.
 */
import { join } from "node:path";
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import { MailStore } from "./mail-store.js";
import { type MailServer, startMailServer } from "./smtp-mail-server.js";

export interface MailService {
  readonly store: MailStore;
  /** Undefined when SMTP is off or its port was taken. */
  readonly server: MailServer | undefined;
  close(): Promise<void>;
}

export async function startMailService(options: {
  readonly stateDir: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly logger: Logger;
}): Promise<MailService> {
  const store = await new MailStore(join(options.stateDir, "mail")).open();
  let server: MailServer | undefined;
  if (options.port !== undefined) {
    try {
      server = await startMailServer({
        store,
        port: options.port,
        host: options.host,
        logger: options.logger,
        onMessage: (mail) =>
          options.logger.info(
            `mail to ${mail.to.join(", ") || "(no recipient)"}: ${JSON.stringify(mail.subject ?? "")}${mail.attachments.length > 0 ? `, ${mail.attachments.length} attachment(s)` : ""}`,
          ),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      const code = "LKN_WRN_MAIL_PORT_IN_USE";
      options.logger.warn(
        { code },
        coded(
          code,
          `port ${options.port} is taken: the local mail service takes no SMTP this time (set LAMBKIN_SMTP_PORT to a free port, 0 for any, or off)`,
        ),
      );
    }
  }
  return {
    store,
    server,
    close: async () => {
      await server?.close();
    },
  };
}
