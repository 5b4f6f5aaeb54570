/**
 * What `Ref` and `Fn::GetAtt` return for the resource types a service declares for its functions to use
 * (DynamoDB tables, S3 buckets, SQS queues, SNS topics, Kinesis streams), following the "Return values" section of each type in
 * the CloudFormation resource reference, in Lambkin's region and local account. The services that create these
 * resources locally use the same names, so a handler finds the table its environment names.
 */
import { LOCAL_ACCOUNT_ID, localArn } from "./local-account.js";

export interface ResourceKind {
  /** The property that names the resource, e.g. `TableName`. */
  readonly nameProperty: string;
  /**
   * The name when that property is absent. CloudFormation generates `<stack>-<LogicalId>-<RANDOM>`; Lambkin drops
   * the random suffix so that the name stays the same from one start to the next.
   */
  generatedName(stackName: string, logicalId: string, property: (name: string) => unknown): string;
  /** What `Ref` returns, given the resource's name. */
  ref(name: string, region: string): string;
  /** What `Fn::GetAtt` returns, by attribute. */
  readonly attributes: Readonly<Record<string, (name: string, region: string) => string>>;
}

/** A DynamoDB stream ARN ends with a creation timestamp; a fixed one keeps the ARN stable. */
const STREAM_LABEL = "1970-01-01T00:00:00.000";

const stackScopedName = (stackName: string, logicalId: string): string => `${stackName}-${logicalId}`;

/** Ref on an AWS::SQS::Queue returns the queue URL (not its name), which is what SendMessage takes. */
const queueUrl = (name: string, region: string): string =>
  `https://sqs.${region}.amazonaws.com/${LOCAL_ACCOUNT_ID}/${name}`;

const topicArn = (name: string, region: string): string => localArn("sns", region, name);

export const RESOURCE_KINDS: Readonly<Record<string, ResourceKind>> = {
  "AWS::DynamoDB::Table": {
    nameProperty: "TableName",
    generatedName: stackScopedName,
    ref: (name) => name,
    attributes: {
      Arn: (name, region) => localArn("dynamodb", region, `table/${name}`),
      StreamArn: (name, region) => localArn("dynamodb", region, `table/${name}/stream/${STREAM_LABEL}`),
    },
  },
  "AWS::S3::Bucket": {
    nameProperty: "BucketName",
    // Bucket names are lowercase, and so are the ones CloudFormation generates.
    generatedName: (stackName, logicalId) => stackScopedName(stackName, logicalId).toLowerCase(),
    ref: (name) => name,
    attributes: {
      // S3 bucket ARNs carry neither region nor account.
      Arn: (name) => `arn:aws:s3:::${name}`,
      DomainName: (name) => `${name}.s3.amazonaws.com`,
      RegionalDomainName: (name, region) => `${name}.s3.${region}.amazonaws.com`,
    },
  },
  "AWS::SQS::Queue": {
    nameProperty: "QueueName",
    // A FIFO queue's name must end in `.fifo`; CloudFormation's generated names do.
    generatedName: (stackName, logicalId, property) => {
      const fifo = property("FifoQueue") === true || property("FifoQueue") === "true";
      return `${stackScopedName(stackName, logicalId)}${fifo ? ".fifo" : ""}`;
    },
    ref: queueUrl,
    attributes: {
      Arn: (name, region) => localArn("sqs", region, name),
      QueueName: (name) => name,
      QueueUrl: queueUrl,
    },
  },
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kinesis-stream.html
  // (Return values): Ref is the stream's name, Fn::GetAtt Arn its ARN.
  "AWS::Kinesis::Stream": {
    nameProperty: "Name",
    generatedName: stackScopedName,
    ref: (name) => name,
    attributes: {
      Arn: (name, region) => localArn("kinesis", region, `stream/${name}`),
    },
  },
  "AWS::SNS::Topic": {
    nameProperty: "TopicName",
    generatedName: stackScopedName,
    // Ref on an AWS::SNS::Topic returns the topic ARN.
    ref: topicArn,
    attributes: {
      TopicArn: topicArn,
      TopicName: (name) => name,
    },
  },
  "AWS::SNS::Subscription": {
    // A subscription has no name: its ARN ends with an id SNS makes when it subscribes. Lambkin lists the resource
    // (its properties are what sns-events.ts subscribes) and Ref answers its stack-scoped name.
    nameProperty: "",
    generatedName: stackScopedName,
    ref: (name) => name,
    attributes: {},
  },
};

/** The Serverless Framework's naming.getNormalizedFunctionName: the start of every logical id made for a function. */
export function normalizedFunctionName(functionKey: string): string {
  const normalized = functionKey.replace(/-/g, "Dash").replace(/_/g, "Underscore");
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}`;
}

/** The logical id the Serverless Framework gives a function's AWS::Lambda::Function (naming.getLambdaLogicalId). */
export function functionLogicalId(functionKey: string): string {
  return `${normalizedFunctionName(functionKey)}LambdaFunction`;
}

/** The pseudo parameters `Ref` and `Fn::Sub` know, for one stack. */
export function pseudoParameters(region: string, stackName: string): Readonly<Record<string, string>> {
  return {
    "AWS::Region": region,
    "AWS::AccountId": LOCAL_ACCOUNT_ID,
    "AWS::StackName": stackName,
    "AWS::StackId": localArn(
      "cloudformation",
      region,
      `stack/${stackName}/00000000-0000-0000-0000-000000000000`,
    ),
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
  };
}
