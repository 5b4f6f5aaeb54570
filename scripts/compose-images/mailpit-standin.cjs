// A STAND-IN FOR MAILPIT, FOR LAMBKIN'S CI ONLY (the image lambkin-ci/mailpit:local, recipes.ts). CI reaches
// no Docker registry, so it cannot pull axllent/mailpit; docker-compose.yml runs this in its place. It is not
// Mailpit and reproduces only what Lambkin's tests use, in Mailpit's shapes
// (https://mailpit.axllent.org/docs/api-v1/, structs of github.com/axllent/mailpit internal/storage):
// - SMTP on port 1025: every message accepted, any credentials or none, no TLS (MP_SMTP_AUTH_ACCEPT_ANY);
// - HTTP on port 8025: GET /readyz and /livez; GET /api/v1/messages (newest first: total, unread, count,
//   messages_count, start, tags, messages[] with ID, MessageID, Read, From, To, Cc, Bcc, ReplyTo, Subject,
//   Created, Tags, Size, Attachments (a count), Snippet); DELETE /api/v1/messages; GET /api/v1/message/{ID}
//   (or `latest`: Text, HTML, Date, Inline[], Attachments[] with PartID, FileName, ContentType, ContentID,
//   Size); GET /api/v1/message/{ID}/raw; GET /api/v1/message/{ID}/part/{PartID}.
// Unlike Mailpit, messages live in memory only, and a PartID is the part's place among the message's
// attachments ("1", "2" …), not its MIME path.
// `/mailpit readyz` exits 0 once the HTTP side answers, as the real binary's subcommand does.
"use strict";

const http = require("node:http");
const { randomBytes } = require("node:crypto");
const { SMTPServer } = require("smtp-server");
const { simpleParser } = require("mailparser");

const SMTP_PORT = 1025;
const HTTP_PORT = 8025;
const messages = [];

function addresses(field) {
  if (!field) return [];
  const groups = Array.isArray(field) ? field : [field];
  return groups
    .flatMap((group) => group.value ?? [])
    .map((a) => ({ Name: a.name ?? "", Address: a.address ?? "" }));
}

function attachmentSummary(attachment, index) {
  return {
    PartID: String(index + 1),
    FileName: attachment.filename ?? "",
    ContentType: attachment.contentType ?? "application/octet-stream",
    ContentID: attachment.cid ?? "",
    Size: attachment.size ?? attachment.content.length,
  };
}

async function store(raw) {
  const parsed = await simpleParser(raw);
  const all = parsed.attachments ?? [];
  const inline = all.filter((a) => a.related || (a.contentDisposition === "inline" && a.cid));
  const attached = all.filter((a) => !inline.includes(a));
  const text = parsed.text ?? "";
  messages.push({
    ID: randomBytes(11).toString("hex"),
    MessageID: (parsed.messageId ?? "").replace(/^<|>$/g, ""),
    Read: false,
    From: addresses(parsed.from)[0] ?? null,
    To: addresses(parsed.to),
    Cc: addresses(parsed.cc),
    Bcc: addresses(parsed.bcc),
    ReplyTo: addresses(parsed.replyTo),
    Subject: parsed.subject ?? "",
    Created: new Date().toISOString(),
    Date: (parsed.date ?? new Date()).toISOString(),
    Tags: [],
    Size: raw.length,
    Text: text,
    HTML: typeof parsed.html === "string" ? parsed.html : "",
    Snippet: text.replace(/\s+/g, " ").trim().slice(0, 250),
    parts: [...attached, ...inline],
    inlineCount: inline.length,
    raw,
  });
}

function summary(message) {
  const { Text, HTML, Date: _date, parts, inlineCount, raw, ...rest } = message;
  return { ...rest, Attachments: parts.length - inlineCount };
}

function detail(message) {
  const attached = message.parts.slice(0, message.parts.length - message.inlineCount);
  const inline = message.parts.slice(attached.length);
  const {
    Read: _read,
    Created: _created,
    Snippet: _snippet,
    parts: _parts,
    inlineCount: _count,
    raw,
    ...rest
  } = message;
  return {
    ...rest,
    ReturnPath: message.From?.Address ?? "",
    Attachments: attached.map((a, i) => attachmentSummary(a, i)),
    Inline: inline.map((a, i) => attachmentSummary(a, attached.length + i)),
  };
}

function send(response, status, body, type = "application/json") {
  const payload = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  response.writeHead(status, { "Content-Type": type, "Content-Length": payload.length });
  response.end(payload);
}

function find(id) {
  return id === "latest" ? messages.at(-1) : messages.find((message) => message.ID === id);
}

function route(request, response) {
  const url = new URL(request.url ?? "/", "http://mailpit");
  const path = url.pathname;
  if (path === "/readyz" || path === "/livez") return send(response, 200, "ok", "text/plain");
  if (path === "/api/v1/messages" && request.method === "GET") {
    const newestFirst = [...messages].reverse();
    const start = Number(url.searchParams.get("start") ?? 0) || 0;
    const limit = Number(url.searchParams.get("limit") ?? 50) || 50;
    const page = newestFirst.slice(start, start + limit).map(summary);
    const unread = messages.filter((message) => !message.Read).length;
    return send(response, 200, {
      total: messages.length,
      unread,
      count: page.length,
      messages_count: messages.length,
      messages_unread: unread,
      start,
      tags: [],
      messages: page,
    });
  }
  if (path === "/api/v1/messages" && request.method === "DELETE") {
    messages.length = 0;
    return send(response, 200, "ok", "text/plain");
  }
  const match = /^\/api\/v1\/message\/([^/]+)(?:\/(raw)|\/part\/([^/]+))?$/.exec(path);
  if (match && request.method === "GET") {
    const message = find(decodeURIComponent(match[1]));
    if (!message) return send(response, 404, "Not found", "text/plain");
    if (match[2] === "raw") return send(response, 200, message.raw, "text/plain; charset=utf-8");
    if (match[3] !== undefined) {
      const part = message.parts[Number(match[3]) - 1];
      if (!part) return send(response, 404, "Not found", "text/plain");
      return send(response, 200, part.content, part.contentType ?? "application/octet-stream");
    }
    return send(response, 200, detail(message));
  }
  if (path === "/")
    return send(response, 200, "Mailpit stand-in for Lambkin's CI (not Mailpit)\n", "text/plain");
  return send(response, 404, "Not found", "text/plain");
}

function serve() {
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? "anonymous" });
    },
    onData(stream, _session, callback) {
      const chunks = [];
      stream.on("data", (chunk) => chunks.push(chunk));
      stream.on("end", () => {
        store(Buffer.concat(chunks)).then(
          () => callback(),
          (error) => callback(error),
        );
      });
    },
  });
  smtp.on("error", (error) => console.error(`smtp: ${error.message}`));
  smtp.listen(SMTP_PORT, "0.0.0.0");
  http.createServer(route).listen(HTTP_PORT, "0.0.0.0");
  console.log(`Mailpit stand-in (CI only): SMTP on ${SMTP_PORT}, HTTP on ${HTTP_PORT}`);
  const stop = () => process.exit(0);
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function readyz() {
  const request = http.get(
    { host: "127.0.0.1", port: HTTP_PORT, path: "/readyz", timeout: 4000 },
    (response) => {
      response.resume();
      process.exit(response.statusCode === 200 ? 0 : 1);
    },
  );
  request.on("error", () => process.exit(1));
  request.on("timeout", () => process.exit(1));
}

exports.main = (args) => {
  if (args[0] === "readyz") readyz();
  else serve();
};
