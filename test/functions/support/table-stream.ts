/**
 * A table's DynamoDB stream read from its beginning (TRIM_HORIZON on every shard) with the real Streams API, as
 * Lambda's poller reads it, and its records turned into the event a function gets — by Lambkin's own
 * dynamoDbStreamRecord, the shape the poller hands functions (Lambda's "Example event").
 */
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import {
  type DynamoDbStreamRecord,
  dynamoDbStreamRecord,
} from "../../../triggers/streams/dynamodb/dynamodb-stream-event.js";

export async function tableStreamRecords(
  tables: DynamoDBClient,
  streams: DynamoDBStreamsClient,
  tableName: string,
  region: string,
): Promise<DynamoDbStreamRecord[]> {
  const table = await tables.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`${tableName} has no stream`);
  const stream = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: DynamoDbStreamRecord[] = [];
  for (const shard of stream.StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    // An open shard always answers a next iterator: stop at the first empty page, which is its present end.
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      const got = page.Records ?? [];
      records.push(...got.map((record) => dynamoDbStreamRecord(record, { streamArn, region })));
      if (got.length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
