/**
 * The Kinesis calls of the shard poller against a real Kinesis API (kinesalite): shards with their parents after
 * a split and a merge, the four iterator positions, the end of a closed shard, and an expired iterator told apart
 * as a typed error.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListShards.html
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html
 */

import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKinesisClient, kinesisEndpoint } from "../../../triggers/streams/kinesis/kinesis-client.js";
import {
  KinesisIteratorExpiredError,
  KinesisShardApi,
  KinesisThroughputExceededError,
} from "../../../triggers/streams/kinesis/kinesis-shard-api.js";
import {
  agedIterator,
  type Kinesalite,
  startKinesalite,
  startThrottlingProxy,
} from "../../support/kinesalite.js";

let kinesalite: Kinesalite;
let streamCount = 0;
async function stream(shards = 1): Promise<{ name: string; api: KinesisShardApi }> {
  streamCount += 1;
  const name = `api-${streamCount}`;
  await kinesalite.createStream(name, shards);
  return { name, api: new KinesisShardApi(kinesalite.client(), name) };
}
const text = (data: Uint8Array | undefined) => Buffer.from(data ?? new Uint8Array()).toString();

/** Every record of a shard from a position, following NextShardIterator until a page comes back empty. */
async function readAll(api: KinesisShardApi, iterator: string): Promise<{ data: string[]; end: boolean }> {
  const data: string[] = [];
  let next: string | null = iterator;
  for (let page = 0; page < 20 && next !== null; page += 1) {
    const result = await api.getRecords(next, 2);
    data.push(...result.records.map((record) => text(record.Data)));
    next = result.nextIterator;
    if (result.records.length === 0) break;
  }
  return { data, end: next === null };
}

beforeAll(async () => {
  kinesalite = await startKinesalite();
});
afterAll(async () => {
  await kinesalite?.dispose();
});

describe("the Kinesis client", () => {
  it("reads AWS_ENDPOINT_URL_KINESIS, and talks to a local server without configured credentials", async () => {
    const { name } = await stream(1);
    const env = { AWS_ENDPOINT_URL_KINESIS: ` ${kinesalite.endpoint} ` };
    expect(kinesisEndpoint(env)).toBe(kinesalite.endpoint);
    expect(kinesisEndpoint({ AWS_ENDPOINT_URL_KINESIS: "" })).toBeUndefined();
    const client = createKinesisClient({ region: "us-east-1", env });
    try {
      const shards = await new KinesisShardApi(client, name).listShards();
      expect(shards.map((shard) => shard.shardId)).toEqual(["shardId-000000000000"]);
    } finally {
      client.destroy();
    }
  });
});

describe("ListShards", () => {
  it("lists a split shard as closed, with both children naming it as parent", async () => {
    const { name, api } = await stream(1);
    await kinesalite.split(name, "shardId-000000000000");
    const shards = await api.listShards();
    expect(shards.map((shard) => shard.shardId)).toEqual([
      "shardId-000000000000",
      "shardId-000000000001",
      "shardId-000000000002",
    ]);
    expect(shards[0]?.endingSequenceNumber).toMatch(/^\d+$/);
    expect(shards[0]?.parentShardId).toBeUndefined();
    expect(shards[1]).toMatchObject({ parentShardId: "shardId-000000000000" });
    expect(shards[2]).toMatchObject({ parentShardId: "shardId-000000000000" });
    expect(shards[1]?.endingSequenceNumber).toBeUndefined();
  });

  it("lists a merged shard with its two parents", async () => {
    const { name, api } = await stream(2);
    await kinesalite.merge(name, "shardId-000000000000", "shardId-000000000001");
    const merged = (await api.listShards()).find((shard) => shard.shardId === "shardId-000000000002");
    expect(merged).toMatchObject({
      parentShardId: "shardId-000000000000",
      adjacentParentShardId: "shardId-000000000001",
    });
  });
});

describe("GetShardIterator and GetRecords", () => {
  it("starts at the oldest record (TRIM_HORIZON), after the newest (LATEST), at a time, or after a checkpoint", async () => {
    const { name, api } = await stream(1);
    const shardId = "shardId-000000000000";
    const first = await kinesalite.put(name, "k", "one");
    await kinesalite.put(name, "k", "two");
    const latest = await api.shardIterator(shardId, { type: "LATEST" });
    // A time after the first two records' arrival (kinesalite's clock is this machine's).
    await new Promise((resolve) => setTimeout(resolve, 20));
    const between = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await kinesalite.put(name, "k", "three");

    const fromHorizon = await readAll(api, await api.shardIterator(shardId, { type: "TRIM_HORIZON" }));
    expect(fromHorizon.data).toEqual(["one", "two", "three"]);
    expect((await readAll(api, latest)).data).toEqual(["three"]);
    const atTimestamp = await api.shardIterator(shardId, { type: "AT_TIMESTAMP", timestamp: between });
    expect((await readAll(api, atTimestamp)).data).toEqual(["three"]);
    const afterFirst = await api.shardIterator(shardId, {
      type: "AFTER_SEQUENCE_NUMBER",
      sequenceNumber: first.SequenceNumber ?? "",
    });
    expect((await readAll(api, afterFirst)).data).toEqual(["two", "three"]);
  });

  it("ends a closed shard with no next iterator, once its records are read", async () => {
    const { name, api } = await stream(1);
    await kinesalite.put(name, "k", "before the split");
    await kinesalite.split(name, "shardId-000000000000");
    const parent = await readAll(
      api,
      await api.shardIterator("shardId-000000000000", { type: "TRIM_HORIZON" }),
    );
    expect(parent).toEqual({ data: ["before the split"], end: true });
    // An open shard always has a next iterator, even with nothing in it.
    const child = await api.getRecords(
      await api.shardIterator("shardId-000000000001", { type: "TRIM_HORIZON" }),
      10,
    );
    expect(child.nextIterator).toEqual(expect.any(String));
  });

  it("tells an expired iterator apart, so that the poller gets a new one from its checkpoint", async () => {
    const { name, api } = await stream(1);
    await kinesalite.put(name, "k", "kept");
    const iterator = await api.shardIterator("shardId-000000000000", { type: "TRIM_HORIZON" });
    await expect(api.getRecords(agedIterator(iterator), 10)).rejects.toBeInstanceOf(
      KinesisIteratorExpiredError,
    );
    // The same iterator, not aged, still reads.
    expect((await api.getRecords(iterator, 10)).records.map((record) => text(record.Data))).toEqual(["kept"]);
  });

  it("keeps a GetRecords limit within what Kinesis takes (1–10,000), whatever the caller asks", async () => {
    const { name, api } = await stream(1);
    for (const word of ["a", "b", "c"]) await kinesalite.put(name, "k", word);
    const iterator = await api.shardIterator("shardId-000000000000", { type: "TRIM_HORIZON" });
    expect((await api.getRecords(iterator, 0)).records).toHaveLength(1);
    expect((await api.getRecords(iterator, Number.MAX_SAFE_INTEGER)).records).toHaveLength(3);
    expect((await api.getRecords(iterator, 2.9)).records).toHaveLength(2);
  });

  it("rejects a stream that does not exist with Kinesis's own error", async () => {
    const api = new KinesisShardApi(kinesalite.client(), "no-such-stream");
    await expect(api.listShards()).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("tells a throttled shard apart, so that the poller backs off, and reads on after it", async () => {
    const { name } = await stream(1);
    await kinesalite.put(name, "k", "after the throttle");
    const proxy = await startThrottlingProxy(kinesalite);
    const client = new KinesisClient({
      endpoint: proxy.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 1,
    });
    try {
      const api = new KinesisShardApi(client, name);
      const iterator = await api.shardIterator("shardId-000000000000", { type: "TRIM_HORIZON" });
      proxy.throttle("GetRecords", 1);
      await expect(api.getRecords(iterator, 10)).rejects.toBeInstanceOf(KinesisThroughputExceededError);
      expect(proxy.refused).toBe(1);
      const page = await api.getRecords(iterator, 10);
      expect(page.records.map((record) => text(record.Data))).toEqual(["after the throttle"]);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });
});
