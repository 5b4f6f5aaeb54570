/**
 * A real, throwaway s3rver (the S3 API over a temporary folder) for a test file, on a free loopback port, with
 * the buckets it should hold, and every S3 event it emits kept in order: s3rver emits one `{Records: [...]}`
 * per object written or removed, in its own variant of S3's record, which Lambkin's parsePostedRecord reads.
 * s3rver checks SigV4 signatures against its one built-in key pair, S3RVER / S3RVER
 * (https://github.com/jamhall/s3rver#signing), so the SDK must sign with it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** The part of s3rver's API (it ships no types) a test uses. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: "event", listener: (event: { Records: unknown[] }) => void): void;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

export interface S3Server {
  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL_S3 (an IP address: path-style requests). */
  readonly endpoint: string;
  /** Every record s3rver emitted, oldest first. */
  readonly records: unknown[];
  dispose(): Promise<void>;
}

export async function startS3rver(buckets: readonly string[]): Promise<S3Server> {
  const S3rver = createRequire(import.meta.url)("s3rver") as S3rverConstructor;
  const directory = mkdtempSync(join(tmpdir(), "lambkin-s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const records: unknown[] = [];
  server.on("event", (event) => records.push(...event.Records));
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    records,
    async dispose() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
