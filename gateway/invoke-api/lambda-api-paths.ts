/**
 * Which request paths belong to the Lambda API: those under one of its date prefixes (the `http` traits of
 * aws-sdk-js-v3's client-lambda model). The Invoke API plugin serves them; answers given before any route runs
 * (a malformed URL, oversized headers) use this to speak Lambda's error format on them and API Gateway's elsewhere.
 */

export const LAMBDA_API_PREFIXES: readonly string[] = [
  "/2014-11-13",
  "/2015-03-31",
  "/2016-08-19",
  "/2017-03-31",
  "/2017-10-31",
  "/2018-10-31",
  "/2019-09-25",
  "/2019-09-30",
  "/2020-04-22",
  "/2020-06-30",
  "/2021-07-20",
  "/2021-10-31",
  "/2021-11-15",
  "/2024-08-31",
  "/2025-11-30",
  "/2025-12-01",
  "/2026-07-09",
];

/** `path` as sent (query string allowed): under a Lambda API prefix, the prefix itself included. */
export function isLambdaApiPath(path: string): boolean {
  return LAMBDA_API_PREFIXES.some(
    (prefix) => path.startsWith(prefix) && ["", "/", "?"].includes(path.charAt(prefix.length)),
  );
}
