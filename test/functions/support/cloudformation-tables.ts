/**
 * The CreateTable request for an AWS::DynamoDB::Table a serverless.yml declares, from its loaded resource (its
 * Properties as Lambkin computed them): what CloudFormation asks DynamoDB for. CloudFormation's
 * StreamSpecification has only StreamViewType; the API's also says StreamEnabled
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html).
 */
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import type { ServiceResource } from "../../../runtime/manifest/service-resources.js";

export function createTableInput(resource: ServiceResource): CreateTableCommandInput {
  if (resource.type !== "AWS::DynamoDB::Table") throw new Error(`${resource.logicalId} is not a table`);
  const properties = resource.properties as Record<string, unknown> & {
    StreamSpecification?: { StreamViewType?: string };
  };
  return {
    TableName: resource.name,
    BillingMode: properties.BillingMode,
    AttributeDefinitions: properties.AttributeDefinitions,
    KeySchema: properties.KeySchema,
    GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes,
    ...(properties.StreamSpecification
      ? {
          StreamSpecification: {
            StreamEnabled: true,
            StreamViewType: properties.StreamSpecification.StreamViewType,
          },
        }
      : {}),
  } as CreateTableCommandInput;
}
