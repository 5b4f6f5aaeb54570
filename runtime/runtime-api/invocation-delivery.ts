/**
 * What `GET /runtime/invocation/next` hands a runtime: the raw payload and the metadata headers of
 * LAMBDA_SEMANTICS §1.2, each sent only when it has a value.
 */
export interface InvocationDelivery {
  readonly requestId: string;
  readonly payload: Buffer;
  /** Absolute deadline, epoch milliseconds. */
  readonly deadlineMs: number;
  readonly invokedFunctionArn: string;
  readonly traceId: string;
  /** JSON text (already base64-decoded from X-Amz-Client-Context). */
  readonly clientContext?: string;
  /** JSON text `{"cognitoIdentityId","cognitoIdentityPoolId"}`. */
  readonly cognitoIdentity?: string;
  readonly tenantId?: string;
  /** Invoke content type; application/json unless the caller said otherwise. */
  readonly contentType?: string;
}

export function deliveryHeaders(delivery: InvocationDelivery): Record<string, string> {
  const headers: Record<string, string> = {
    // aws-lambda-ric crashes when /next carries no Content-Type.
    "Content-Type": delivery.contentType ?? "application/json",
    "Lambda-Runtime-Aws-Request-Id": delivery.requestId,
    "Lambda-Runtime-Deadline-Ms": String(delivery.deadlineMs),
    "Lambda-Runtime-Invoked-Function-Arn": delivery.invokedFunctionArn,
    "Lambda-Runtime-Trace-Id": delivery.traceId,
    "Content-Length": String(delivery.payload.length),
  };
  if (delivery.clientContext) headers["Lambda-Runtime-Client-Context"] = delivery.clientContext;
  if (delivery.cognitoIdentity) headers["Lambda-Runtime-Cognito-Identity"] = delivery.cognitoIdentity;
  if (delivery.tenantId) headers["Lambda-Runtime-Aws-Tenant-Id"] = delivery.tenantId;
  return headers;
}
