/**
 * S3's REST error body (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses):
 * `<Error><Code/><Message/><RequestId/><HostId/></Error>`, which the AWS SDKs read to name the error, and whose
 * 5xx codes (ServiceUnavailable, SlowDown, InternalError) they retry.
 */

export function s3ErrorXml(code: string, message: string, requestId: string, hostId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
    `<RequestId>${escapeXml(requestId)}</RequestId><HostId>${escapeXml(hostId)}</HostId></Error>`
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
