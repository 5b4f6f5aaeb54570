/**
 * The AWS identity Lambkin pretends to run in. ARNs, queue URLs and `${AWS::AccountId}` use this account id,
 * the one AWS's own local tools use (DynamoDB Local, the Lambda runtime interface emulator), so that they are
 * well-formed without belonging to anybody.
 */
export const LOCAL_ACCOUNT_ID = "000000000000";

/** `arn:aws:<service>:<region>:000000000000:<resource>` */
export function localArn(service: string, region: string, resource: string): string {
  return `arn:aws:${service}:${region}:${LOCAL_ACCOUNT_ID}:${resource}`;
}
