/**
 * `/_lambkin/mail`: what the local mail service received (services/mail/), for people and tests:
 * - `GET /_lambkin/mail` → a JSON array, oldest first: `id`, `from`, `to`, `subject`, `date`, `attachments`
 *   (`filename`, `contentType`, `size`), plus the SMTP `envelope` and the message's `size`;
 * - `GET /_lambkin/mail/{id}/raw` → the message as received (`message/rfc822`);
 * - `DELETE /_lambkin/mail` → `{ "deleted": n }`, every message.
 */
import type { FastifyInstance } from "fastify";
import type { MailStore } from "../../services/mail/mail-store.js";
import { LambkinApiError } from "./lambkin-api-error.js";

export function registerMailRoutes(api: FastifyInstance, store: MailStore): void {
  api.get("/mail", async () => store.list());
  api.delete("/mail", async () => ({ deleted: await store.clear() }));
  api.get("/mail/*", async (request, reply) => {
    const rest = (request.params as { "*": string })["*"];
    const match = /^([^/]+)\/raw$/.exec(rest);
    const raw = match ? await store.raw(match[1] as string) : undefined;
    if (raw === undefined) {
      throw new LambkinApiError(
        404,
        "LKN_ERR_MAIL_NOT_FOUND",
        `no message ${JSON.stringify(rest.slice(0, 100))} (GET /_lambkin/mail lists them; the raw form is /_lambkin/mail/{id}/raw)`,
      );
    }
    return reply.header("content-type", "message/rfc822").send(raw);
  });
}
