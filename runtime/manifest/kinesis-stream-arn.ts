/**
 * A Kinesis data stream's ARN, `arn:<partition>:kinesis:<region>:<account>:stream/<name>`
 * (https://docs.aws.amazon.com/streams/latest/dev/controlling-access.html#kinesis-using-iam-arn-format). The poller
 * calls the Kinesis API with the stream's name: every Kinesis API accepts `StreamName`, and servers that stand in
 * for Kinesis (kinesalite) know no `StreamARN` parameter.
 */
export interface KinesisStreamArn {
  readonly arn: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

/** Stream names: 1–128 of `a-zA-Z0-9_.-` (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html). */
const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:([a-z0-9-]+):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/;

/** The parts of a stream ARN, or undefined when the text is not one (a consumer ARN is not one either). */
export function parseKinesisStreamArn(arn: string): KinesisStreamArn | undefined {
  const match = STREAM_ARN.exec(arn);
  if (!match) return undefined;
  const [, region = "", account = "", name = ""] = match;
  return { arn, region, account, name };
}
