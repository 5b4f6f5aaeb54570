/**
 * DynamoDbLocalError: Lambkin could not run its DynamoDB stand-in (no usable Java, or DynamoDB Local itself failed).
 * The message starts with the code, as the docker sandbox's do, so that it reads the same in a log line and on the
 * terminal; `code` is there for callers and the CLI (docs/codes.md).
 */
import { coded, type LambkinCode } from "../../runtime/errors/lambkin-codes.js";

export type DynamoDbLocalErrorCode = Extract<LambkinCode, `LKN_ERR_DYNAMODB_${string}`>;

export class DynamoDbLocalError extends Error {
  override readonly name = "DynamoDbLocalError";
  readonly code: DynamoDbLocalErrorCode;

  constructor(code: DynamoDbLocalErrorCode, message: string) {
    super(coded(code, message));
    this.code = code;
  }
}
