/**
 * Runtime: the invoke loop — `/next`, build the context, run the handler, report its outcome, and
 * schedule the next iteration (docs/lambda-behaviour.md §1.5, §2.2). Reproduces the RIC's src/Runtime.js:
 *
 * - Each iteration starts on a fresh turn of the event loop (setImmediate).
 * - Node ≤22: the handler gets (event, context, callback). A returned promise completes the invoke
 *   through context.succeed/fail (first completion wins, never waits for the loop); a sync throw goes
 *   to callback(err). Until something completes, draining the loop means: `null` for a handler not
 *   declared `async`, Runtime.NodeJsExit for one that is.
 * - Node 24 (async-only, like the Node 24 RIC's BufferedInvokeProcessor): the handler gets
 *   (event, context) and whatever it returns or throws is awaited and reported after one setImmediate.
 *   A promise still pending when the loop drains fails with Runtime.NodeJsExit too.
 * - Streaming handlers: see streaming-invoke.ts.
 * - While an invoke runs, an uncaught exception or unhandled rejection is posted as its error and the
 *   process exits 129 / 128 (index.ts installs the process listeners, this class repoints them).
 */
import * as BeforeExitListener from "./before-exit-listener.js";
import * as CallbackContext from "./callback-context.js";
import { NodeJsExit } from "./errors.js";
import { InvokeContext } from "./invoke-context.js";
import { structuredConsole } from "./log-patch.js";
import type { RapidClient } from "./rapid-client.js";
import { handleOnceStreaming } from "./streaming-invoke.js";
import { type Handler, type HandlerMetadata, STREAM_RESPONSE } from "./user-function.js";

export interface ErrorCallbacks {
  uncaughtException: (error: unknown) => void;
  unhandledRejection: (error: unknown) => void;
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  return !!value && typeof (value as { then?: unknown }).then === "function";
}

export class Runtime {
  private readonly handleOnce: () => Promise<void>;

  constructor(
    private readonly client: RapidClient,
    private readonly handler: Handler,
    private readonly metadata: HandlerMetadata,
    private readonly errorCallbacks: ErrorCallbacks,
    nodejs24Mode: boolean,
  ) {
    if (metadata.streaming === STREAM_RESPONSE) {
      this.handleOnce = () => handleOnceStreaming(this.client, this.handler, this.metadata, this.hooks());
    } else {
      this.handleOnce = nodejs24Mode
        ? () => this.handleOnceAsyncOnly()
        : () => this.handleOnceCallbackStyle();
    }
  }

  /** Start the next iteration at the beginning of the next turn of the event loop. */
  scheduleIteration(): void {
    setImmediate(() => {
      this.handleOnce().then(
        // Success is a no-op here: completion already scheduled the next iteration, or the
        // 'beforeExit' listener will.
        () => {},
        // Only a Runtime API or runtime bug gets here.
        (err: unknown) => {
          console.log(`Unexpected Top Level Error: ${String(err)}`);
          this.errorCallbacks.uncaughtException(err);
        },
      );
    });
  }

  private hooks() {
    return {
      scheduleIteration: () => this.scheduleIteration(),
      setErrorCallbacks: (id: string) => this.setErrorCallbacks(id),
    };
  }

  private async handleOnceCallbackStyle(): Promise<void> {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    invokeContext.updateLoggingContext();
    const id = invokeContext.invokeId;

    const [callback, callbackContext, markCompleted] = CallbackContext.build(this.client, id, () =>
      this.scheduleIteration(),
    );
    try {
      this.setErrorCallbacks(id);
      this.setDefaultExitListener(id, markCompleted);
      const event = JSON.parse(bodyJson);
      const context = invokeContext.attachEnvironmentData(callbackContext);
      const result = invokeContext.inInvokeStore(() => this.handler(event, context, callback));
      if (isPromise(result)) {
        (result.then(callbackContext.succeed, callbackContext.fail) as Promise<void>).catch(
          callbackContext.fail,
        );
      }
    } catch (err) {
      callback(err);
    }
  }

  private async handleOnceAsyncOnly(): Promise<void> {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    invokeContext.updateLoggingContext();
    const id = invokeContext.invokeId;

    let completed = false;
    this.setErrorCallbacks(id);
    BeforeExitListener.set(() => {
      completed = true;
      this.failInvocation(new NodeJsExit(), id);
    });

    let outcome: { result: unknown } | { error: unknown };
    try {
      const event = JSON.parse(bodyJson);
      const context = invokeContext.nodejs24Context();
      outcome = { result: await invokeContext.inInvokeStore(() => this.handler(event, context)) };
    } catch (error) {
      outcome = { error };
    }
    if (completed) return;
    completed = true;
    BeforeExitListener.reset();
    await new Promise((resolve) => setImmediate(resolve));
    if ("result" in outcome) {
      try {
        this.client.postInvocationResponse(outcome.result, id, () => this.scheduleIteration(), true);
        return;
      } catch (error) {
        outcome = { error };
      }
    }
    this.failInvocation(outcome.error, id);
  }

  private failInvocation(error: unknown, id: string): void {
    structuredConsole.logError("Invoke Error", error);
    this.client.postInvocationError(error, id, () => this.scheduleIteration(), true);
  }

  /** From now on a crash belongs to this invoke: post it as its error, then exit. */
  private setErrorCallbacks(id: string): void {
    this.errorCallbacks.uncaughtException = (error) =>
      this.client.postInvocationError(error, id, () => process.exit(129));
    this.errorCallbacks.unhandledRejection = (error) =>
      this.client.postInvocationError(error, id, () => process.exit(128));
  }

  /**
   * What an empty event loop means when nothing completed the invoke. CallbackContext replaces this
   * listener as soon as the callback (or succeed/fail/done) is called.
   */
  private setDefaultExitListener(id: string, markCompleted: () => void): void {
    BeforeExitListener.set(() => {
      markCompleted();
      if (this.metadata.isAsync) {
        this.failInvocation(new NodeJsExit(), id);
      } else {
        this.client.postInvocationResponse(null, id, () => this.scheduleIteration(), true);
      }
    });
  }
}
