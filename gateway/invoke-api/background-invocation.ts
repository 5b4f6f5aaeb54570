/**
 * Runs an asynchronous invocation (Invoke `Event`, legacy InvokeAsync) after the caller already has its 202.
 * It goes through the one Invoker like every other invocation; its outcome is only logged.
 *
 * TODO(triggers issue): Lambda queues async events durably and retries them (2 retries for function errors,
 * backoff up to 6 h for throttles, maximum event age, DLQ / on-failure destination — docs/lambda-behaviour.md §5). That
 * belongs to the JobQueue port (docs/architecture.md "Ports and adapters") and arrives with the triggers issue; until then an
 * event refused by a concurrency cap or failing in the function is logged and dropped.
 */
import type { FastifyBaseLogger } from "fastify";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { InvokeOptions } from "../../runtime/invoker/invoker.js";
import type { LambkinRuntime } from "../../runtime/lambkin-runtime.js";

export function invokeInBackground(
  runtime: LambkinRuntime,
  log: FastifyBaseLogger,
  functionName: string,
  payload: Buffer,
  options: InvokeOptions,
): void {
  const context = { functionName, requestId: options.requestId, invocationType: "Event" };
  const code = "LKN_WRN_INVOKE_ASYNC_NOT_RETRIED";
  runtime.invoker.invoke(functionName, payload, options).then(
    (result) => {
      if (result.functionError) {
        log.warn(
          { ...context, code, errorType: result.errorType },
          coded(
            code,
            "asynchronous invocation failed in the function; Lambkin does not retry it yet, it is dropped",
          ),
        );
      }
    },
    (error: unknown) =>
      log.error(
        { ...context, code, err: error },
        coded(code, "asynchronous invocation could not run; Lambkin does not retry it yet, it is dropped"),
      ),
  );
}
