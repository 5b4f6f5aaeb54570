/**
 * The errors a StreamSource rejects with so that the poller needs no service's error names. Adapters translate
 * their API's errors to these (Kinesis: ExpiredIteratorException, ProvisionedThroughputExceededException,
 * LimitExceededException; DynamoDB Streams: ExpiredIteratorException, LimitExceededException,
 * ThrottlingException). Any other rejection is a failure of the read: the poller backs off and tries again.
 */

/** The iterator is too old (15 minutes for DynamoDB Streams, 5 for Kinesis): get another from the checkpoint. */
export class StreamIteratorExpiredError extends Error {
  override readonly name: string = "StreamIteratorExpiredError";
}

/** The stream's API refused the call for its rate: wait and call again (no attempt of the batch is counted). */
export class StreamThrottledError extends Error {
  override readonly name: string = "StreamThrottledError";
}

/**
 * The checkpoint is older than what the shard still keeps (TrimmedDataAccessException: older than the stream's
 * retention): the poller reads from the oldest record kept, as Lambda does after retention passed.
 */
export class StreamCheckpointTrimmedError extends Error {
  override readonly name: string = "StreamCheckpointTrimmedError";
}
