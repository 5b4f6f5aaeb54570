/**
 * Lambkin's S3 (services/s3/s3-service.ts) through the real @aws-sdk/client-s3 with its default settings: buffer
 * and streamed bodies stored byte-exact (a streamed PutObject is sent aws-chunked with a CRC32 trailer by the SDK's
 * default flexible checksums, which s3rver alone would store framing and all), multipart uploads, virtual-hosted
 * requests to <bucket>.localhost, keys that would leave the data folder, and buckets and objects kept across a
 * restart.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { Agent, request } from "node:http";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeSha256 } from "../../../gateway/invoke-api/sigv4/node-sha256.js";
import type { S3Service } from "../../../services/s3/s3-service.js";
import { eventually } from "../../support/eventually.js";
import { freshDataDir, s3Client, startTestS3 } from "../../support/s3.js";

/** Random bytes: a body whose every byte matters. */
function bytes(size: number, seed: number): Buffer {
  const buffer = Buffer.alloc(size);
  let state = seed;
  for (let index = 0; index < size; index++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    buffer[index] = state >>> 16;
  }
  return buffer;
}

async function body(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(
    await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

/** `hex-size[;ext]\r\ndata\r\n … 0[;ext]\r\n[trailer\r\n]\r\n` (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html). */
function awsChunked(chunks: Buffer[], options: { trailer?: string; extension?: string } = {}): Buffer {
  const extension = options.extension ?? "";
  return Buffer.concat([
    ...chunks.flatMap((chunk) => [
      Buffer.from(`${chunk.length.toString(16)}${extension}\r\n`),
      chunk,
      Buffer.from("\r\n"),
    ]),
    Buffer.from(`0${extension}\r\n${options.trailer === undefined ? "" : `${options.trailer}\r\n`}\r\n`),
  ]);
}

function crc32Base64(data: Buffer): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(data) >>> 0);
  return value.toString("base64");
}

/** A PUT written by hand, for bodies the SDK never sends (corrupt, cut, signed chunks). */
function rawPut(
  endpoint: string,
  path: string,
  headers: Record<string, string>,
  payload: Buffer,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const put = request(`${endpoint}${path}`, { method: "PUT", headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    put.on("error", reject);
    put.end(payload);
  });
}

describe("Lambkin's S3", () => {
  const dataDir = freshDataDir();
  let service: S3Service;
  let client: S3Client;

  beforeAll(async () => {
    service = await startTestS3(dataDir);
    client = s3Client(service.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: "media" }));
  });
  afterAll(async () => {
    client?.destroy();
    await service?.close();
  });

  it("answers on an IP endpoint, path-style, to any credentials, with S3's request ids", async () => {
    expect(service.endpoint).toBe(`http://127.0.0.1:${service.port}`);
    const put = await client.send(
      new PutObjectCommand({ Bucket: "media", Key: "notes/hello.txt", Body: Buffer.from("hello, S3") }),
    );
    expect(put.ETag).toBe(`"${createHash("md5").update("hello, S3").digest("hex")}"`);
    expect(put.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    expect((await body(client, "media", "notes/hello.txt")).toString()).toBe("hello, S3");
    const head = await client.send(new HeadObjectCommand({ Bucket: "media", Key: "notes/hello.txt" }));
    expect(head.ContentLength).toBe(9);
  });

  it("answers BucketAlreadyOwnedByYou for a bucket that exists: every bucket of the local account is yours", async () => {
    await expect(client.send(new CreateBucketCommand({ Bucket: "media" }))).rejects.toMatchObject({
      name: "BucketAlreadyOwnedByYou",
      $metadata: { httpStatusCode: 409 },
    });
  });

  it("stores a streamed body byte-exact: the SDK's aws-chunked framing and checksum trailer are decoded", async () => {
    const parts = [bytes(65_536, 1), bytes(1, 2), bytes(200_003, 3), bytes(17, 4)];
    const expected = Buffer.concat(parts);
    await client.send(
      new PutObjectCommand({
        Bucket: "media",
        Key: "streamed/data.bin",
        Body: Readable.from(parts),
        ContentLength: expected.length,
      }),
    );
    const stored = await body(client, "media", "streamed/data.bin");
    expect(stored.length).toBe(expected.length);
    expect(stored.equals(expected)).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: "media", Key: "streamed/data.bin" }));
    // aws-chunked is the transfer's coding, not the object's: S3 does not keep it.
    expect(head.ContentEncoding).toBeUndefined();
  });

  it("keeps the object's own content coding when it comes aws-chunked", async () => {
    const gzipped = bytes(4096, 5);
    await client.send(
      new PutObjectCommand({
        Bucket: "media",
        Key: "streamed/page.html.gz",
        Body: Readable.from([gzipped]),
        ContentLength: gzipped.length,
        ContentEncoding: "gzip",
      }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: "media", Key: "streamed/page.html.gz" }));
    expect(head.ContentEncoding).toBe("gzip");
    expect((await body(client, "media", "streamed/page.html.gz")).equals(gzipped)).toBe(true);
  });

  it("decodes signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) too", async () => {
    const parts = [bytes(1000, 6), bytes(24, 7)];
    const framed = awsChunked(parts, { extension: `;chunk-signature=${"0".repeat(64)}` });
    const answer = await rawPut(
      service.endpoint,
      "/media/signed/chunks.bin",
      {
        "content-encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-decoded-content-length": "1024",
        "content-length": String(framed.length),
      },
      framed,
    );
    expect(answer.status).toBe(200);
    expect((await body(client, "media", "signed/chunks.bin")).equals(Buffer.concat(parts))).toBe(true);
  });

  it("refuses an aws-chunked body whose checksum or length is wrong, and keeps nothing of it", async () => {
    const data = bytes(3000, 8);
    const headers = (framed: Buffer, decodedLength: number) => ({
      "content-encoding": "aws-chunked",
      "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      "x-amz-trailer": "x-amz-checksum-crc32",
      "x-amz-decoded-content-length": String(decodedLength),
      "content-length": String(framed.length),
    });
    const corrupt = awsChunked([data], { trailer: `x-amz-checksum-crc32:${crc32Base64(bytes(3000, 9))}` });
    const badDigest = await rawPut(
      service.endpoint,
      "/media/refused/corrupt.bin",
      headers(corrupt, 3000),
      corrupt,
    );
    expect(badDigest.status).toBe(400);
    expect(badDigest.text).toContain("<Code>BadDigest</Code>");

    const short = awsChunked([data], { trailer: `x-amz-checksum-crc32:${crc32Base64(data)}` });
    const incomplete = await rawPut(
      service.endpoint,
      "/media/refused/short.bin",
      headers(short, 4000),
      short,
    );
    expect(incomplete.status).toBe(400);
    expect(incomplete.text).toContain("<Code>IncompleteBody</Code>");

    const good = awsChunked([data], { trailer: `x-amz-checksum-crc32:${crc32Base64(data)}` });
    expect(
      (await rawPut(service.endpoint, "/media/refused/good.bin", headers(good, 3000), good)).status,
    ).toBe(200);

    for (const key of ["refused/corrupt.bin", "refused/short.bin"]) {
      await expect(client.send(new HeadObjectCommand({ Bucket: "media", Key: key }))).rejects.toMatchObject({
        name: "NotFound",
      });
    }
  });

  it("keeps nothing of an aws-chunked body whose client went away before its end", async () => {
    const put = request(`${service.endpoint}/media/refused/cut.bin`, {
      method: "PUT",
      headers: {
        "content-encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD",
        "x-amz-decoded-content-length": "100000",
        "transfer-encoding": "chunked",
      },
    });
    put.on("error", () => {});
    put.write(Buffer.concat([Buffer.from(`${(100_000).toString(16)}\r\n`), bytes(50_000, 12)]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    put.destroy();
    await eventually(async () => {
      await expect(
        client.send(new HeadObjectCommand({ Bucket: "media", Key: "refused/cut.bin" })),
      ).rejects.toMatchObject({ name: "NotFound" });
    }, 20_000);
    expect((await body(client, "media", "notes/hello.txt")).toString()).toBe("hello, S3");
  });

  it("assembles a multipart upload from buffered and streamed parts", async () => {
    const first = bytes(5 * 1024 * 1024, 10);
    const second = bytes(123_457, 11);
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: "media", Key: "videos/clip.mp4" }),
    );
    const one = await client.send(
      new UploadPartCommand({
        Bucket: "media",
        Key: "videos/clip.mp4",
        UploadId,
        PartNumber: 1,
        Body: first,
      }),
    );
    const two = await client.send(
      new UploadPartCommand({
        Bucket: "media",
        Key: "videos/clip.mp4",
        UploadId,
        PartNumber: 2,
        Body: Readable.from([second.subarray(0, 1000), second.subarray(1000)]),
        ContentLength: second.length,
      }),
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: "media",
        Key: "videos/clip.mp4",
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: one.ETag },
            { PartNumber: 2, ETag: two.ETag },
          ],
        },
      }),
    );
    expect((await body(client, "media", "videos/clip.mp4")).equals(Buffer.concat([first, second]))).toBe(
      true,
    );
  });

  it("serves virtual-hosted requests to <bucket>.localhost", async () => {
    // The SDK addresses buckets by host on a name endpoint. This machine's resolver does not resolve
    // *.localhost (many do: systemd-resolved, browsers), so the client's agent resolves it as they would.
    const agent = new Agent({
      lookup: (_host, options, callback) => {
        if ((options as { all?: boolean }).all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
        else (callback as (error: null, address: string, family: number) => void)(null, "127.0.0.1", 4);
      },
    });
    const hosted = s3Client(`http://localhost:${service.port}`, {
      requestHandler: new NodeHttpHandler({ httpAgent: agent }),
    });
    try {
      await hosted.send(new PutObjectCommand({ Bucket: "media", Key: "vhost/a.txt", Body: "by host" }));
      expect((await body(hosted, "media", "vhost/a.txt")).toString()).toBe("by host");
      expect((await body(client, "media", "vhost/a.txt")).toString()).toBe("by host");
    } finally {
      hosted.destroy();
      agent.destroy();
    }
  });

  it("serves presigned URLs signed with any credentials, response header overrides included", async () => {
    // What @aws-sdk/s3-request-presigner makes (it is not a dependency): a SigV4 query-string signature.
    const signer = new SignatureV4({
      credentials: { accessKeyId: "AKIAPRESIGNEXAMPLE", secretAccessKey: "presign-secret" },
      region: "eu-west-1",
      service: "s3",
      sha256: NodeSha256,
      uriEscapePath: false,
    });
    const url = new URL(service.endpoint);
    const presign = async (method: string, key: string, query: Record<string, string> = {}) => {
      const signed = await signer.presign(
        {
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          port: Number(url.port),
          path: `/media/${key}`,
          query,
          headers: { host: url.host },
        },
        { expiresIn: 300, unsignableHeaders: new Set(["content-type"]) },
      );
      const search = new URLSearchParams(signed.query as Record<string, string>).toString();
      return `${service.endpoint}${signed.path}?${search}`;
    };
    const put = await fetch(await presign("PUT", "presigned/upload.txt"), {
      method: "PUT",
      body: "uploaded",
    });
    expect(put.status).toBe(200);
    const get = await fetch(
      await presign("GET", "presigned/upload.txt", { "response-content-disposition": "attachment" }),
    );
    expect(get.status).toBe(200);
    expect(get.headers.get("content-disposition")).toBe("attachment");
    expect(await get.text()).toBe("uploaded");
  });

  it("refuses keys whose .. segments would leave the bucket's folder", async () => {
    await expect(
      client.send(new PutObjectCommand({ Bucket: "media", Key: "../../escaped.txt", Body: "out" })),
    ).rejects.toMatchObject({ name: "InvalidArgument" });
    expect(existsSync(join(dirname(dataDir), "escaped.txt._S3rver_object"))).toBe(false);
    expect(existsSync(join(dataDir, "escaped.txt._S3rver_object"))).toBe(false);
  });

  it("keeps buckets and objects across a restart on the same data folder", async () => {
    await client.send(new PutObjectCommand({ Bucket: "media", Key: "kept/1.txt", Body: "still here" }));
    await service.close();
    client.destroy();
    service = await startTestS3(dataDir);
    client = s3Client(service.endpoint);
    const buckets = await client.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((bucket) => bucket.Name)).toContain("media");
    expect((await body(client, "media", "kept/1.txt")).toString()).toBe("still here");
  });
});
