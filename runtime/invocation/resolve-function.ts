/**
 * Resolves the function a caller names, with the error AWS answers when there is none
 * (`ResourceNotFoundException`, "Function not found: <ARN>", docs/lambda-behaviour.md §3.2). A qualifier other
 * than `$LATEST` names a version Lambkin does not have.
 */
import { functionNotFound, ServiceError } from "../errors/service-errors.js";
import { functionArn } from "../invoker/function-arn.js";
import type { FunctionDefinition } from "../manifest/function-definition.js";
import { parseFunctionReference } from "../manifest/function-reference.js";
import type { FunctionRegistry } from "../manifest/function-registry.js";
import type { FunctionResolver } from "./invocation-request.js";

export function resolveFunction(
  registry: FunctionRegistry,
  reference: string,
  qualifier?: string,
): FunctionDefinition {
  const fn = registry.resolve(reference);
  const parsed = parseFunctionReference(reference);
  const arnQualifier = qualifier ?? parsed?.qualifier;
  if (!fn) {
    const candidates = registry.ambiguity(reference);
    const hint = candidates.length > 0 ? ` (ambiguous: ${candidates.join(", ")}; use the full name)` : "";
    const region = registry.all()[0]?.region ?? "us-east-1";
    throw new ServiceError(
      "ResourceNotFoundException",
      `Function not found: ${functionArn({ region, name: parsed?.name ?? reference }, arnQualifier)}${hint}`,
    );
  }
  if (arnQualifier !== undefined && arnQualifier !== "$LATEST")
    throw functionNotFound(functionArn(fn, arnQualifier));
  return fn;
}

/** A FunctionResolver over a registry. */
export function registryResolver(registry: FunctionRegistry): FunctionResolver {
  return { resolveFunction: (reference, qualifier) => resolveFunction(registry, reference, qualifier) };
}
