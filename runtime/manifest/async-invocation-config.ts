/**
 * A function's asynchronous-invocation settings as serverless.yml writes them — `maximumRetryAttempts`,
 * `maximumEventAge`, `destinations.onSuccess` / `destinations.onFailure` and `onError` (the dead-letter queue) —
 * validated against Lambda's limits (PutFunctionEventInvokeConfig,
 * https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html: MaximumRetryAttempts
 * 0–2, MaximumEventAgeInSeconds 60–21600; defaults 2 retries and 6 hours,
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).
 *
 * A destination is written as a function's key in the same service, a name, an ARN, or the Framework's
 * `{ type, arn }` object (https://www.serverless.com/framework/docs/providers/aws/guide/functions#asynchronous-invocation);
 * what the ARN names decides the kind of target. Delivering to it is the triggers' job (triggers/async/).
 */
import {
  describeValue,
  type KeyPath,
  ManifestError,
  type ManifestWarning,
  manifestWarning,
} from "./manifest-error.js";
import { isMapping, type VariableResolver } from "./variable-resolver.js";

export type DestinationKind = "function" | "queue" | "topic" | "eventBus";

export interface DestinationTarget {
  readonly kind: DestinationKind;
  /** What serverless.yml says: a function key or name, or an ARN (an intrinsic function as JSON text). */
  readonly reference: string;
  /** Where it is written, for log lines: `functions.f.destinations.onFailure`. */
  readonly keyPath: string;
}

export interface AsyncInvocationConfig {
  /** Retries after a function error or timeout: 0–2 (Lambda's default 2). */
  readonly maximumRetryAttempts: number;
  /** How long an event may wait in the queue, in seconds: 60–21600 (default 21600, 6 hours). */
  readonly maximumEventAgeSeconds: number;
  readonly onSuccess?: DestinationTarget;
  readonly onFailure?: DestinationTarget;
  /** The dead-letter queue (`onError`): an SQS queue or SNS topic receiving the failed event itself. */
  readonly deadLetter?: DestinationTarget;
}

export const DEFAULT_ASYNC_INVOCATION_CONFIG: AsyncInvocationConfig = {
  maximumRetryAttempts: 2,
  maximumEventAgeSeconds: 21_600,
};

const ARN_KINDS: ReadonlyArray<readonly [RegExp, DestinationKind]> = [
  [/^arn:aws[a-z-]*:lambda:/, "function"],
  [/^arn:aws[a-z-]*:sqs:/, "queue"],
  [/^arn:aws[a-z-]*:sns:/, "topic"],
  [/^arn:aws[a-z-]*:events:/, "eventBus"],
];
const TYPE_KINDS: Readonly<Record<string, DestinationKind>> = {
  function: "function",
  sqs: "queue",
  sns: "topic",
  eventBus: "eventBus",
};

function formatPath(path: KeyPath): string {
  return path.map((segment) => (typeof segment === "number" ? `[${segment}]` : segment)).join(".");
}

function wholeNumber(
  value: unknown,
  min: number,
  max: number,
  file: string,
  path: KeyPath,
  fix: string,
): number {
  const number = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number === "number" && Number.isInteger(number) && number >= min && number <= max) return number;
  throw new ManifestError(
    file,
    path,
    `must be a whole number from ${min} to ${max}, not ${describeValue(value)}`,
    fix,
  );
}

/** Computes an intrinsic (`!GetAtt Queue.Arn`, `!Ref Topic`) into the ARN it names; undefined when it cannot. */
export type IntrinsicComputer = (value: unknown, path: KeyPath) => unknown;

/** A destination as serverless.yml writes it (a key, a name, an ARN or `{ type, arn }`), of one of the `allowed` kinds. */
export function destinationTarget(
  written: unknown,
  file: string,
  path: KeyPath,
  allowed: readonly DestinationKind[],
  compute?: IntrinsicComputer,
): DestinationTarget {
  const keyPath = formatPath(path);
  const value = computed(written, path, compute);
  const fix =
    allowed.length === 1 || allowed.includes("function")
      ? "Name a function of this service (its key), a function name or ARN, an SQS queue, SNS topic or EventBridge bus ARN, or { type, arn }"
      : "Give the ARN of an SQS queue or an SNS topic";
  let reference: unknown = value;
  let kind: DestinationKind | undefined;
  if (isMapping(value)) {
    const type = value.type;
    if (typeof type !== "string" || !(type in TYPE_KINDS)) {
      throw new ManifestError(
        file,
        [...path, "type"],
        `must be function, sqs, sns or eventBus, not ${describeValue(type)}`,
        fix,
      );
    }
    kind = TYPE_KINDS[type];
    const arn = computed(value.arn, [...path, "arn"], compute);
    reference = typeof arn === "string" ? arn : JSON.stringify(arn ?? null);
  }
  if (typeof reference !== "string" || reference.trim() === "") {
    throw new ManifestError(file, path, `must name a destination, not ${describeValue(value)}`, fix);
  }
  kind ??= ARN_KINDS.find(([pattern]) => pattern.test(reference as string))?.[1];
  if (kind === undefined) {
    if (reference.startsWith("arn:")) {
      throw new ManifestError(
        file,
        path,
        `${reference} is not the ARN of a function, queue, topic or event bus`,
        fix,
      );
    }
    kind = "function";
  }
  if (!allowed.includes(kind)) {
    throw new ManifestError(file, path, `a ${kind} cannot be used here (${allowed.join(" or ")} only)`, fix);
  }
  return { kind, reference, keyPath };
}

/** An intrinsic computed when it can be (the destination then names the resource's real ARN), else as written. */
function computed(value: unknown, path: KeyPath, compute: IntrinsicComputer | undefined): unknown {
  if (
    !compute ||
    !isMapping(value) ||
    !Object.keys(value).some((key) => key === "Ref" || key.startsWith("Fn::"))
  ) {
    return value;
  }
  try {
    return compute(value, path) ?? value;
  } catch {
    return value;
  }
}

/**
 * Warnings for targets Lambkin cannot deliver to: EventBridge buses (not reproduced), queues and topics whose
 * reference is not an ARN Lambkin can resolve (an intrinsic it cannot compute), and FIFO queues (Lambda refuses
 * them as destinations). What would have gone there is kept as a Lambkin dead letter instead, so nothing is lost.
 * SQS queues and SNS topics named by ARN are delivered to (triggers/async/destinations.ts).
 */
export function asyncInvocationWarnings(file: string, config: AsyncInvocationConfig): ManifestWarning[] {
  const warnings: ManifestWarning[] = [];
  for (const target of [config.onSuccess, config.onFailure, config.deadLetter]) {
    if (target === undefined || target.kind === "function") continue;
    const arn = target.reference.startsWith("arn:");
    if (target.kind === "eventBus") {
      warnings.push(
        manifestWarning(
          file,
          target.keyPath,
          "not supported by Lambkin: EventBridge buses do not receive asynchronous invocation records or failed events; Lambkin keeps a failed event as a dead letter instead (lambkin events list)",
        ),
      );
    } else if (!arn) {
      warnings.push(
        manifestWarning(
          file,
          target.keyPath,
          `Lambkin cannot tell which ${target.kind === "queue" ? "SQS queue" : "SNS topic"} ${target.reference} names (give its ARN, or !GetAtt / !Ref of a resource of this service); what goes there is kept as a dead letter instead (lambkin events list)`,
        ),
      );
    } else if (target.kind === "queue" && target.reference.endsWith(".fifo")) {
      warnings.push(
        manifestWarning(
          file,
          target.keyPath,
          "Lambda does not send to FIFO queues: what goes there is kept as a dead letter instead (lambkin events list)",
        ),
      );
    }
  }
  return warnings;
}

/** Reads the settings of the function at `functionPath` (each may also be set under `provider`). */
export function readAsyncInvocationConfig(
  resolver: VariableResolver,
  functionPath: KeyPath,
  compute?: IntrinsicComputer,
): AsyncInvocationConfig {
  const { file } = resolver;
  const setting = (key: string): { value: unknown; path: KeyPath } | undefined => {
    const path = [...functionPath, key];
    const value = resolver.get(path);
    return value === undefined || value === null ? undefined : { value, path };
  };
  const retries = setting("maximumRetryAttempts");
  const age = setting("maximumEventAge");
  const destinations = setting("destinations");
  const onError = setting("onError");
  let onSuccess: DestinationTarget | undefined;
  let onFailure: DestinationTarget | undefined;
  if (destinations) {
    if (!isMapping(destinations.value)) {
      throw new ManifestError(
        file,
        destinations.path,
        `must be a mapping with onSuccess and/or onFailure, not ${describeValue(destinations.value)}`,
        "e.g. destinations: { onFailure: arn:aws:sqs:us-east-1:000000000000:failed }",
      );
    }
    const success = destinations.value.onSuccess;
    const failure = destinations.value.onFailure;
    const all: DestinationKind[] = ["function", "queue", "topic", "eventBus"];
    if (success !== undefined && success !== null)
      onSuccess = destinationTarget(success, file, [...destinations.path, "onSuccess"], all, compute);
    if (failure !== undefined && failure !== null)
      onFailure = destinationTarget(failure, file, [...destinations.path, "onFailure"], all, compute);
  }
  return {
    maximumRetryAttempts: retries
      ? wholeNumber(
          retries.value,
          0,
          2,
          file,
          retries.path,
          "Lambda retries a failed asynchronous invocation 0, 1 or 2 times",
        )
      : DEFAULT_ASYNC_INVOCATION_CONFIG.maximumRetryAttempts,
    maximumEventAgeSeconds: age
      ? wholeNumber(
          age.value,
          60,
          21_600,
          file,
          age.path,
          "Lambda keeps an event 60 seconds to 6 hours (21600)",
        )
      : DEFAULT_ASYNC_INVOCATION_CONFIG.maximumEventAgeSeconds,
    ...(onSuccess ? { onSuccess } : {}),
    ...(onFailure ? { onFailure } : {}),
    ...(onError
      ? { deadLetter: destinationTarget(onError.value, file, onError.path, ["queue", "topic"], compute) }
      : {}),
  };
}
