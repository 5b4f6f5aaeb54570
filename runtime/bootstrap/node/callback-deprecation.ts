/**
 * Callback deprecation: what each Node generation does with a callback-style handler
 * (docs/lambda-behaviour.md §2.6), and which generation we emulate.
 *
 * - Node ≤22 (RIC src/WarningForCallbackHandlers.js): a handler declared with exactly 3 parameters that
 *   is neither `async` nor streaming gets a console.warn at init, unless
 *   AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING is set (to anything).
 * - Node 24+ (the Node 24 RIC, src/function/callback-deprecation.ts): any non-streaming handler declared
 *   with 3 or more parameters — async or not — fails init with Runtime.CallbackHandlerDeprecated.
 *
 * The node binary is always the host's; AWS_EXECUTION_ENV (`AWS_Lambda_nodejs24.x`) picks the generation.
 */
import { CallbackHandlerDeprecated } from "./errors.js";
import type { HandlerMetadata } from "./user-function.js";

const WARNING =
  "AWS Lambda plans to remove support for callback-based function handlers starting with Node.js 24. You will need to update this function to use an async handler to use Node.js 24 or later. For more information and to provide feedback on this change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.";

const NODEJS24_ERROR =
  "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.";

/** True for AWS_EXECUTION_ENV `AWS_Lambda_nodejs<N>.x` with N ≥ 24. */
export function isNodejs24Mode(): boolean {
  const match = /^AWS_Lambda_nodejs(\d+)\.x$/.exec(process.env.AWS_EXECUTION_ENV ?? "");
  return match !== null && Number(match[1]) >= 24;
}

/** Node ≤22: warn (once, at init) about a callback-style handler. */
export function checkForDeprecatedCallback(metadata: HandlerMetadata): void {
  if (
    process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined &&
    metadata.argsNum === 3 &&
    !metadata.isAsync &&
    !metadata.streaming
  ) {
    console.warn(WARNING);
  }
}

/** Node 24+: refuse a callback-style handler; the thrown error becomes the init error. */
export function errorOnDeprecatedCallback(metadata: HandlerMetadata): void {
  if (metadata.argsNum >= 3 && !metadata.streaming) throw new CallbackHandlerDeprecated(NODEJS24_ERROR);
}
