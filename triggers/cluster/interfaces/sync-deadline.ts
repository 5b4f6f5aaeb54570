/**
 * How long a gateway waits for a worker to answer a synchronous invocation: the function's timeout, plus the
 * init phase a cold start may take (Lambda's 10 s, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html),
 * plus a slack for the trip through Redis and a worker busy with other requests. Past it the caller is answered
 * (ServiceException) and a worker that only takes the request then drops it. Deadlines are instants (ms since the
 * epoch) compared on other machines too: the clocks of a cluster's hosts must agree (NTP) to well within the slack.
 */
import { INIT_LIMIT_MS } from "../../../runtime/environment/execution-environment.js";
import type { FunctionDefinition } from "../../../runtime/manifest/function-definition.js";

export const SYNC_DEADLINE_SLACK_MS = 2_000;

export function syncDeadline(fn: Pick<FunctionDefinition, "timeout">, now = Date.now()): number {
  return now + fn.timeout * 1000 + INIT_LIMIT_MS + SYNC_DEADLINE_SLACK_MS;
}
