/** The headers the Serverless Framework allows by default for `cors: true` (REST) and `httpApi.cors: true`. */
export const DEFAULT_CORS_HEADERS: readonly string[] = [
  "Content-Type",
  "X-Amz-Date",
  "Authorization",
  "X-Api-Key",
  "X-Amz-Security-Token",
  "X-Amz-User-Agent",
  "X-Amzn-Trace-Id",
];
