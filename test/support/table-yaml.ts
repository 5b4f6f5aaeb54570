/**
 * A DynamoDB table with a string hash key `pk`, as a serverless.yml `resources.Resources` entry (indented for it),
 * for the tests that declare tables in the manifests they write.
 */
export function tableYaml(logicalId: string, tableName: string, options: { stream?: boolean } = {}): string {
  return `    ${logicalId}:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: ${tableName}
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions:
          - AttributeName: pk
            AttributeType: S
        KeySchema:
          - AttributeName: pk
            KeyType: HASH
${options.stream ? "        StreamSpecification:\n          StreamViewType: NEW_IMAGE\n" : ""}`;
}
