/**
 * CallbackContext: the Node ≤22 completion API of one invoke — `callback(err, result)`,
 * `context.succeed/fail/done` and `context.callbackWaitsForEmptyEventLoop` (docs/lambda-behaviour.md §2.2).
 *
 * Reproduces the RIC's src/CallbackContext.js:
 * - an error (anything but null/undefined) is logged as "Invoke Error" and posted at once;
 * - `callback(null, result)` posts at once when callbackWaitsForEmptyEventLoop is false, else when the
 *   event loop drains (BeforeExitListener), one setImmediate later;
 * - succeed/fail/done post at once; `fail()` with no error fails with the string "handled";
 * - only the first call of callback/succeed/fail/done counts (a returned promise settling later is a
 *   silent no-op); a second *post* logs "Invocation has already been reported as done…".
 */
import * as BeforeExitListener from "./before-exit-listener.js";
import { structuredConsole } from "./log-patch.js";

/** `nextFollows`: `callback` starts the next iteration at once (rapid-client.ts sends its /next along). */
export interface InvocationPoster {
  postInvocationResponse(response: unknown, id: string, callback: () => void, nextFollows?: boolean): void;
  postInvocationError(error: unknown, id: string, callback: () => void, nextFollows?: boolean): void;
}

export type Callback = (err?: unknown, result?: unknown) => void;

export interface CallbackContextFields {
  callbackWaitsForEmptyEventLoop: boolean;
  succeed: (result?: unknown) => void;
  fail: (err?: unknown) => void;
  done: (err?: unknown, result?: unknown) => void;
}

/** [callback, context fields, markCompleted] — markCompleted makes any later post a logged no-op. */
export type CallbackContextParts = [Callback, CallbackContextFields, () => void];

function rawCallbackContext(
  client: InvocationPoster,
  id: string,
  scheduleNext: () => void,
): CallbackContextParts {
  const postError = (err: unknown, callback: () => void) => {
    structuredConsole.logError("Invoke Error", err);
    client.postInvocationError(err, id, callback, true);
  };

  let isCompleteInvoked = false;
  const complete = (result: unknown, callback: () => void) => {
    if (isCompleteInvoked) {
      console.error(
        "Invocation has already been reported as done. Cannot call complete more than once per invocation.",
      );
      return;
    }
    isCompleteInvoked = true;
    client.postInvocationResponse(result, id, callback, true);
  };

  let waitForEmptyEventLoop = true;

  const callback: Callback = (err, result) => {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      BeforeExitListener.set(() => {
        setImmediate(() => complete(result, scheduleNext));
      });
    }
  };

  const done = (err?: unknown, result?: unknown) => {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) postError(err, scheduleNext);
    else complete(result, scheduleNext);
  };

  const fields: CallbackContextFields = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: (result) => done(null, result),
    fail: (err) => (err === undefined || err === null ? done("handled") : done(err, null)),
    done,
  };

  return [callback, fields, () => (isCompleteInvoked = true)];
}

/**
 * Only the first call to any of callback/succeed/fail/done goes through. As in the RIC, a call that
 * throws (e.g. a result JSON.stringify cannot serialize) does not count as the first one, so the error
 * can still be reported through another of them.
 */
function onlyFirstCall([callback, fields, markCompleted]: CallbackContextParts): CallbackContextParts {
  let finished = false;
  const wrap =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      if (finished) return;
      fn(...args);
      finished = true;
    };
  fields.succeed = wrap(fields.succeed);
  fields.fail = wrap(fields.fail);
  fields.done = wrap(fields.done);
  return [wrap(callback), fields, markCompleted];
}

export function build(client: InvocationPoster, id: string, scheduleNext: () => void): CallbackContextParts {
  return onlyFirstCall(rawCallbackContext(client, id, scheduleNext));
}
