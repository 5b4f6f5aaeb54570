/**
 * The Kinesis StreamSource against kinesalite: order per shard with several shards and partition keys, children
 * after a reshard, resuming from a checkpoint with a new source (as after a restart: nothing replayed, nothing
 * skipped), an expired iterator replaced from the checkpoint, and the filter view of hostile data (not JSON,
 * binary, not UTF-8). The mappings come from a real serverless.yml.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KinesisApiRecord } from "../../../triggers/streams/kinesis/kinesis-event.js";
import {
  executionRoleArn,
  kinesisEventSourceMappings,
  kinesisStreamSourceOf,
} from "../../../triggers/streams/kinesis/kinesis-event-sources.js";
import { patternCanMatch } from "../../../triggers/streams/kinesis/kinesis-filter-view.js";
import { KinesisIteratorExpiredError } from "../../../triggers/streams/kinesis/kinesis-shard-api.js";
import { KinesisStreamSource } from "../../../triggers/streams/kinesis/kinesis-stream-source.js";
import { fixture, load } from "../../runtime/manifest/manifest-fixtures.js";
import { agedIterator, type Kinesalite, startKinesalite } from "../../support/kinesalite.js";

let kinesalite: Kinesalite;
let count = 0;
async function source(shards: number): Promise<{ name: string; source: KinesisStreamSource }> {
  count += 1;
  const name = `source-${count}`;
  const streamArn = await kinesalite.createStream(name, shards);
  return {
    name,
    source: new KinesisStreamSource({
      client: kinesalite.client(),
      streamName: name,
      source: { streamArn, region: "us-east-1", invokeIdentityArn: "arn:aws:iam::000000000000:role/r" },
    }),
  };
}
const text = (record: KinesisApiRecord) => Buffer.from(record.Data ?? new Uint8Array()).toString();

async function drain(source: KinesisStreamSource, iterator: string): Promise<KinesisApiRecord[]> {
  const records: KinesisApiRecord[] = [];
  let next: string | null = iterator;
  while (next !== null) {
    const page = await source.records(next, 7);
    records.push(...page.records);
    next = page.nextIterator;
    if (page.records.length === 0) break;
  }
  return records;
}

beforeAll(async () => {
  kinesalite = await startKinesalite();
});
afterAll(async () => {
  await kinesalite?.dispose();
});

describe("the Kinesis StreamSource", () => {
  it("keeps the put order within each shard, each partition key in one shard", async () => {
    const { name, source: stream } = await source(3);
    const keys = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];
    for (let index = 0; index < 60; index += 1) {
      const key = keys[index % keys.length] ?? "";
      await kinesalite.put(name, key, `${key}:${index}`);
    }
    const shardOfKey = new Map<string, string>();
    let total = 0;
    for (const shard of await stream.listShards()) {
      const records = await drain(
        stream,
        await stream.iterator(shard.shardId, { startingPosition: { type: "TRIM_HORIZON" } }),
      );
      total += records.length;
      const indexes = records.map((record) => Number(text(record).split(":")[1]));
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
      for (const record of records) {
        const key = record.PartitionKey ?? "";
        expect(shardOfKey.get(key) ?? shard.shardId).toBe(shard.shardId);
        shardOfKey.set(key, shard.shardId);
      }
      const event = stream.event(records, shard.shardId);
      expect(event.Records.map((record) => record.eventID)).toEqual(
        records.map((record) => `${shard.shardId}:${record.SequenceNumber}`),
      );
    }
    expect(total).toBe(60);
    expect(new Set(shardOfKey.values()).size).toBeGreaterThan(1);
  });

  it("reads a split shard's children from their beginning, after the parent's last record", async () => {
    const { name, source: stream } = await source(1);
    await kinesalite.put(name, "k", "parent");
    await kinesalite.split(name, "shardId-000000000000");
    await kinesalite.put(name, "k", "child");
    const shards = await stream.listShards();
    const parent = shards.find((shard) => shard.parentShardId === undefined);
    const children = shards.filter((shard) => shard.parentShardId === parent?.shardId);
    expect(children).toHaveLength(2);
    expect(parent?.endingSequenceNumber).toBeDefined();
    const fromParent = await drain(
      stream,
      await stream.iterator(parent?.shardId ?? "", { startingPosition: { type: "LATEST" } }),
    );
    expect(fromParent).toEqual([]); // LATEST on a closed shard: its end
    const fromChildren: string[] = [];
    for (const child of children) {
      fromChildren.push(
        ...(await drain(stream, await stream.iterator(child.shardId, { childOfReadShard: true }))).map(text),
      );
    }
    expect(fromChildren).toEqual(["child"]);
  });

  it("resumes after a checkpoint with a new source: nothing replayed, nothing skipped", async () => {
    const { name, source: first } = await source(1);
    for (const word of ["a", "b", "c"]) await kinesalite.put(name, "k", word);
    const shardId = "shardId-000000000000";
    const done = await drain(
      first,
      await first.iterator(shardId, { startingPosition: { type: "TRIM_HORIZON" } }),
    );
    const checkpoint = first.sequenceNumber(done[done.length - 1] ?? {});
    for (const word of ["d", "e"]) await kinesalite.put(name, "k", word);

    const restarted = new KinesisStreamSource({
      client: kinesalite.client(),
      streamName: name,
      source: { streamArn: first.streamArn, region: "us-east-1", invokeIdentityArn: "arn:aws:iam::0:role/r" },
    });
    const resumed = await drain(restarted, await restarted.iterator(shardId, { checkpoint }));
    expect(resumed.map(text)).toEqual(["d", "e"]);
  });

  it("replaces an expired iterator from the checkpoint", async () => {
    const { name, source: stream } = await source(1);
    const first = await kinesalite.put(name, "k", "done");
    await kinesalite.put(name, "k", "next");
    const shardId = "shardId-000000000000";
    const held = await stream.iterator(shardId, { checkpoint: first.SequenceNumber ?? "" });
    await expect(stream.records(agedIterator(held), 10)).rejects.toBeInstanceOf(KinesisIteratorExpiredError);
    const again = await stream.iterator(shardId, { checkpoint: first.SequenceNumber ?? "" });
    expect((await drain(stream, again)).map(text)).toEqual(["next"]);
  });

  it("gives filters JSON data decoded, and no data for non-JSON, binary or non-UTF-8 records", async () => {
    const { name, source: stream } = await source(1);
    await kinesalite.put(name, "json", JSON.stringify({ order: { type: "buy" } }));
    await kinesalite.put(name, "text", "buy");
    await kinesalite.put(name, "binary", new Uint8Array([0xff, 0xfe, 0x00, 0x7b]));
    await kinesalite.put(name, "number", "42");
    await kinesalite.put(name, "truncated", '{"order": {"type": "bu');
    const shardId = "shardId-000000000000";
    const records = await drain(
      stream,
      await stream.iterator(shardId, { startingPosition: { type: "TRIM_HORIZON" } }),
    );
    const views = records.map((record) => stream.filterView(record, shardId));
    expect(views.map((view) => view.dataIsJson)).toEqual([true, false, false, true, false]);
    expect(views[0]?.view).toMatchObject({ partitionKey: "json", data: { order: { type: "buy" } } });
    expect(views[1]?.view).not.toHaveProperty("data");
    expect(views[1]?.view).toMatchObject({ partitionKey: "text", kinesisSchemaVersion: "1.0" });
    const onData = { data: { order: { type: ["buy"] } } };
    const onMetadata = { partitionKey: ["text"] };
    expect(views.map((view) => patternCanMatch(onData, view))).toEqual([true, false, false, true, false]);
    expect(views.every((view) => patternCanMatch(onMetadata, view))).toBe(true);
    // The function, when a record gets to it, still gets the bytes as they were put.
    const event = stream.event(records, shardId);
    expect([...Buffer.from(event.Records[2]?.kinesis.data ?? "", "base64")]).toEqual([
      0xff, 0xfe, 0x00, 0x7b,
    ]);
  });
});

describe("Kinesis mappings of a serverless.yml", () => {
  it("builds a source per kinesis stream event, with the service's execution role in every record", async () => {
    const { functions } = await load(fixture("kinesis-streams"));
    const mappings = kinesisEventSourceMappings(functions, []);
    expect(mappings.map((mapping) => mapping.settings.streamName)).toEqual([
      "clicks-dev",
      "clicks-dev-GeneratedStream",
      "elsewhere",
    ]);
    const [clicks] = mappings;
    if (!clicks) throw new Error("no mapping");
    expect(executionRoleArn(clicks.function)).toBe(
      "arn:aws:iam::000000000000:role/clicks-dev-eu-west-1-lambdaRole",
    );
    await kinesalite.createStream("clicks-dev", 1);
    await kinesalite.put("clicks-dev", "k", "click");
    const stream = kinesisStreamSourceOf(clicks, kinesalite.client());
    const [record] = await drain(
      stream,
      await stream.iterator("shardId-000000000000", { startingPosition: { type: "TRIM_HORIZON" } }),
    );
    const [eventRecord] = stream.event(record ? [record] : [], "shardId-000000000000").Records;
    expect(eventRecord).toMatchObject({
      invokeIdentityArn: "arn:aws:iam::000000000000:role/clicks-dev-eu-west-1-lambdaRole",
      awsRegion: "eu-west-1",
      eventSourceARN: "arn:aws:kinesis:eu-west-1:000000000000:stream/clicks-dev",
    });
  });
});
