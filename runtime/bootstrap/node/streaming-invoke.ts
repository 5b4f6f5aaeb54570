/**
 * Streaming invoke: one invoke of an `awslambda.streamifyResponse` handler, called as
 * `handler(event, responseStream, context)` (RIC Runtime.handleOnceStreaming and StreamingContext.js).
 *
 * The response is BUFFERED (see response-stream.ts): when the stream ends its bytes are posted to
 * `/response` as one body. Failures are logged as "Invoke Error" and posted to `/error` (the RIC sends
 * them as HTTP trailers of the streamed request instead):
 * - a handler that does not return a promise → "Streaming does not support non-async handlers.";
 * - a handler that resolves without ending the stream → "Response stream is not finished.";
 * - a throw or rejection → that error.
 * The context has callbackWaitsForEmptyEventLoop (default true: the next iteration waits for the loop
 * to drain) but no succeed/fail/done. A resolved value is ignored with the RIC's warning.
 */
import * as BeforeExitListener from "./before-exit-listener.js";
import { intoError, toFormatted } from "./errors.js";
import { InvokeContext } from "./invoke-context.js";
import type { RapidClient } from "./rapid-client.js";
import { BufferedResponseStream } from "./response-stream.js";
import type { Handler, HandlerMetadata } from "./user-function.js";

export interface LoopHooks {
  scheduleIteration(): void;
  setErrorCallbacks(id: string): void;
}

export async function handleOnceStreaming(
  client: RapidClient,
  handler: Handler,
  metadata: HandlerMetadata,
  hooks: LoopHooks,
): Promise<void> {
  const { bodyJson, headers } = await client.nextInvocation();
  const invokeContext = new InvokeContext(headers);
  invokeContext.updateLoggingContext();
  const id = invokeContext.invokeId;

  let waitForEmptyEventLoop = true;
  const streamingContext = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      waitForEmptyEventLoop = value;
    },
  };
  const scheduleNext = () => {
    BeforeExitListener.reset();
    if (!waitForEmptyEventLoop) hooks.scheduleIteration();
    else BeforeExitListener.set(() => setImmediate(() => hooks.scheduleIteration()));
  };

  // Exactly one answer per invoke, whichever of "stream ended" and "failed" comes first.
  let answered = false;
  const answerOnce = (post: (done: () => void) => void, done: () => void) => {
    if (answered) return done();
    answered = true;
    post(done);
  };
  const responseStream = new BufferedResponseStream(metadata.highWaterMark);
  const responseDone = new Promise<void>((resolve) => {
    responseStream.once("finish", () =>
      answerOnce(
        (done) => client.postBufferedStream(responseStream.body(), responseStream.contentType, id, done),
        resolve,
      ),
    );
  });
  const fail = (err: unknown) => {
    console.error("Invoke Error", toFormatted(intoError(err)));
    answerOnce((done) => client.postInvocationError(err, id, done), scheduleNext);
  };

  try {
    hooks.setErrorCallbacks(id);
    // If the loop drains before the handler finishes, just move on (RIC _setStreamingExitListener).
    BeforeExitListener.set(() => hooks.scheduleIteration());
    const context = invokeContext.attachEnvironmentData(streamingContext);
    const event = JSON.parse(bodyJson);
    const handlerResult = invokeContext.inInvokeStore(() => handler(event, responseStream, context));
    if (!handlerResult || typeof (handlerResult as { then?: unknown }).then !== "function") {
      fail("Streaming does not support non-async handlers.");
      return;
    }
    const result = await handlerResult;
    if (result !== undefined) console.warn("Streaming handlers ignore return values.");
    // writableEnded, not writableFinished: 'finish' may still be a tick away.
    if (!responseStream.writableEnded) {
      fail("Response stream is not finished.");
      return;
    }
    await responseDone;
    scheduleNext();
  } catch (err) {
    fail(err);
  }
}
