/**
 * Whether a request's body is still (partly) unread when it is answered — it was refused before or while its body
 * arrived. Such an answer carries `Connection: close`: the connection ends with it, instead of Node reading the rest
 * of a body nobody wants (megabytes, perhaps trickled) just to keep the connection alive.
 */
import type { IncomingMessage } from "node:http";

export function hasUnreadBody(request: IncomingMessage): boolean {
  if (request.complete) return false;
  return (
    request.headers["transfer-encoding"] !== undefined || Number(request.headers["content-length"] ?? 0) > 0
  );
}
