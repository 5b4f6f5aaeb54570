/**
 * `lambkin mail`: what the local mail service of a running Lambkin received (GET /_lambkin/mail), oldest first —
 * one line per message for a person, or the JSON array with `--json` for scripts.
 */
import pc from "picocolors";
import type { MailSummary } from "../../services/mail/mail-store.js";
import { lambkinApiClient } from "../lambkin-api-client.js";
import { EXIT_OK } from "../usage-error.js";
import { defaultEndpoint } from "./env.js";

export interface MailFlags {
  readonly endpoint?: string;
  readonly json?: boolean;
}

export async function mailCommand(flags: MailFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const client = lambkinApiClient(flags.endpoint ?? defaultEndpoint(env), env);
  const messages = await client.call<MailSummary[]>("GET", "/mail");
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(messages, null, 2)}\n`);
    return EXIT_OK;
  }
  if (messages.length === 0) {
    process.stdout.write(`no mail at ${client.where}\n`);
    return EXIT_OK;
  }
  for (const message of messages) {
    const attachments = message.attachments
      .map(
        (attachment) =>
          `${attachment.filename ?? "(unnamed)"} ${attachment.contentType} ${attachment.size} B`,
      )
      .join(", ");
    process.stdout.write(
      `${pc.dim(message.date)}  ${pc.bold(message.id)}  ${message.from ?? "?"} → ${message.to.join(", ")}  ${JSON.stringify(message.subject ?? "")}${attachments ? `  [${attachments}]` : ""}\n`,
    );
  }
  return EXIT_OK;
}
