/**
 * Lambkin's S3: s3rver (a Koa app implementing S3's REST API on the filesystem) behind Lambkin's own HTTP server,
 * in process. Objects and buckets live in `dataDir` (s3rver's `directory`), so they survive a restart.
 *
 * The front server is what makes unchanged clients work and events reliable (each part in its module):
 * - any credentials, and virtual-hosted `<bucket>.localhost` requests (front-request.ts);
 * - `aws-chunked` bodies — what the AWS SDK v3 sends for every streamed PutObject / UploadPart by default —
 *   decoded before s3rver stores them (aws-chunked-decoder.ts);
 * - object events handed to the notification sink before the client is answered, 503 when they cannot be
 *   queued (notifying-middleware.ts, with the events mapped by s3rver-events.ts);
 * - the store kept inside `dataDir` (store-confinement.ts).
 *
 * Clients reach it path-style at `endpoint` (an IP: every SDK then addresses buckets by path, no forcePathStyle
 * needed), or virtual-hosted at `http://localhost:PORT` where `<bucket>.localhost` resolves. s3rver's own logs
 * go to the logger at debug level.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import type { EventEmitter } from "node:events";
import { mkdir } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { isIPv6 } from "node:net";
import { resolve } from "node:path";
import { format } from "node:util";
import type { Logger } from "pino";
import type { S3NotificationSink } from "../../triggers/s3/interfaces/s3-notification-sink.js";
import { AwsChunkedDecoder, isAwsChunked } from "./aws-chunked-decoder.js";
import {
  decodedBodyHeaders,
  decodedContentLength,
  requestWithBody,
  rewriteRequest,
} from "./front-request.js";
import { type KoaMiddleware, notifyingMiddleware, type RequestScope } from "./notifying-middleware.js";
import type { S3rverRecord } from "./s3rver-events.js";
import { confineStore, type PathMappingStore } from "./store-confinement.js";

export interface S3ServiceOptions {
  /** Where buckets and objects are kept (created if missing). */
  readonly dataDir: string;
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly logger: Logger;
  /** The sink object events go to, asked at each request (undefined: none is delivered). */
  readonly notifications: () => S3NotificationSink | undefined;
}

export interface S3Service {
  /** `http://127.0.0.1:PORT` (the host, when it is a specific one): what clients' `endpoint` is set to. */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The part of s3rver's store the service uses. */
interface S3rverStore extends PathMappingStore {
  deleteObject(bucket: string, key: string): Promise<void>;
}

type S3rverLog = (message: unknown, ...args: unknown[]) => void;

/** The part of s3rver's Koa app the service uses (s3rver ships no types). */
interface S3rverApp extends EventEmitter {
  readonly middleware: KoaMiddleware[];
  readonly context: { logger: Record<"debug" | "info" | "warn" | "error", S3rverLog> };
  readonly logger: { close(): void };
  readonly store: S3rverStore;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}

type S3rverConstructor = new (options: Record<string, unknown>) => S3rverApp;
type S3ErrorConstructor = new (code: string, message: string, detail?: Record<string, string>) => Error;

const require = createRequire(import.meta.url);

/** How long close() lets requests in flight finish before it cuts their connections. */
const CLOSE_GRACE_MS = 2_000;

export async function startS3Service(options: S3ServiceOptions): Promise<S3Service> {
  const S3rver = require("s3rver") as S3rverConstructor;
  const S3Error = require("s3rver/lib/models/error.js") as S3ErrorConstructor;
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const logger = options.logger.child({ component: "s3" });
  const app = new S3rver({
    directory: dataDir,
    silent: true,
    // Credentials are whatever the client has (front-request.ts); s3rver checks SigV2 signatures only, with its key.
    allowMismatchedSignatures: true,
    // Host names other than <bucket>.localhost are the endpoint's (host.docker.internal, a LAN name), not buckets.
    vhostBuckets: false,
    resetOnClose: false,
  });
  const s3rverLog: S3rverLog = (message, ...args) => logger.debug(format(message, ...args));
  app.context.logger = { debug: s3rverLog, info: s3rverLog, warn: s3rverLog, error: s3rverLog };
  // Koa prints non-HTTP errors to stderr unless the app listens; s3rver's errors are answers already.
  app.on("error", (error: Error) => logger.debug({ err: error }, "s3rver error"));

  const scopes = new AsyncLocalStorage<RequestScope>();
  const refuse = (message: string) => new S3Error("InvalidArgument", message);
  confineStore(app.store, dataDir, refuse);
  const deleteObject = app.store.deleteObject.bind(app.store);
  app.store.deleteObject = async (bucket, key) => {
    await deleteObject(bucket, key);
    scopes.getStore()?.removed.push({ bucket, key });
  };
  app.on("event", (event: { Records?: S3rverRecord[] }) => {
    scopes.getStore()?.records.push(...(event.Records ?? []));
  });
  app.middleware.unshift(
    notifyingMiddleware({
      scopes,
      notifications: options.notifications,
      discard: deleteObject,
      s3Error: (code, message, detail) => new S3Error(code, message, detail),
      logger,
    }),
  );
  const handle = app.callback();

  const server = createServer((req, res) => {
    const scope = newScope(req);
    const started = Date.now();
    res.on("finish", () =>
      logger.debug(
        `${req.method} ${req.url} ${res.statusCode} ${Date.now() - started} ms (${scope.requestId})`,
      ),
    );
    const rewritten = rewriteRequest(req);
    if (scope.body === undefined) {
      req.url = rewritten.url;
      req.headers = rewritten.headers;
      scopes.run(scope, () => handle(req, res));
      return;
    }
    const decoder = scope.body;
    // A client that goes away mid-body makes the request emit an error; the decoder reports it (abort below).
    req.on("error", () => {});
    req.on("close", () => {
      if (req.complete) return;
      req.unpipe(decoder);
      decoder.abort();
    });
    req.pipe(decoder);
    const forwarded = requestWithBody(req, decoder, {
      url: rewritten.url,
      headers: decodedBodyHeaders(rewritten.headers),
    });
    scopes.run(scope, () => handle(forwarded, res));
  });
  await listen(server, options.port, options.host);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the S3 server has no TCP address");
  const endpoint = `http://${endpointHost(options.host)}:${address.port}`;
  logger.info(`s3: ${endpoint} (objects in ${dataDir})`);
  return {
    endpoint,
    port: address.port,
    close: async () => {
      await closeServer(server);
      app.logger.close();
    },
  };
}

/** A request's scope: S3-style ids, and the decoder when its body is aws-chunked. */
function newScope(req: IncomingMessage): RequestScope {
  const base = {
    requestId: randomBytes(8).toString("hex").toUpperCase(),
    hostId: randomBytes(48).toString("base64"),
    records: [],
    removed: [],
  };
  if (!isAwsChunked(req.headers)) return base;
  const trailer = req.headers["x-amz-trailer"];
  return {
    ...base,
    body: new AwsChunkedDecoder(
      decodedContentLength(req.headers),
      typeof trailer === "string" ? trailer : undefined,
    ),
  };
}

/** The host clients are told: a wildcard or `localhost` address is reached at 127.0.0.1 (IP: path-style). */
function endpointHost(host: string): string {
  if (host === "" || host === "0.0.0.0" || host === "::" || host === "localhost") return "127.0.0.1";
  return isIPv6(host) ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Stops accepting, lets requests in flight finish for a moment, then cuts what is left (keep-alive clients). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
