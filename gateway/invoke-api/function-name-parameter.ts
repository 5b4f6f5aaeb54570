/**
 * Validates the `{FunctionName}` path label and the `Qualifier` query parameter the way Lambda does before it
 * looks anything up, so that a name that cannot be a function name (`../x`, empty, over 170 characters) gets
 * AWS's ValidationException rather than a ResourceNotFoundException.
 *
 * - Pattern and length: API_Invoke / API_GetFunction `FunctionName` (1–170 characters; the pattern is the one AWS
 *   prints in its message, dots included — LocalStack's parity-tested copy in localstack-core/…/lambda_/api_utils.py,
 *   `validate_function_name`, uses 170 for Invoke and GetFunction whatever the name form). A bare name of 65–170
 *   valid characters passes: no function can have it, so the lookup answers ResourceNotFoundException.
 * - Qualifier: `(|[a-zA-Z0-9$_-]+)`, 1–128 characters (API_Invoke).
 * - A qualifier in the name that differs from `Qualifier`: InvalidParameterValueException (same LocalStack source).
 */
import { ServiceError } from "../../runtime/errors/service-errors.js";
import { parseFunctionReference } from "../../runtime/manifest/function-reference.js";
import { validationError, violation } from "./api-error.js";

const MAX_FUNCTION_NAME_LENGTH = 170;
const MAX_QUALIFIER_LENGTH = 128;
/** Printed exactly like this in AWS's message. */
const FUNCTION_NAME_PATTERN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";
const FUNCTION_NAME = new RegExp(`^(?:${FUNCTION_NAME_PATTERN})$`);
const QUALIFIER_PATTERN = "(|[a-zA-Z0-9$_-]+)";
const QUALIFIER = /^[a-zA-Z0-9$_-]+$/;

/** Throws ValidationException / InvalidParameterValueException; returns nothing when both are well-formed. */
export function checkFunctionName(functionName: string, qualifier?: string): void {
  const violations = [...functionNameViolations(functionName), ...qualifierViolations(qualifier)];
  if (violations.length > 0) throw validationError(violations);
  const derived = parseFunctionReference(functionName)?.qualifier;
  if (qualifier !== undefined && derived !== undefined && derived !== qualifier) {
    throw new ServiceError(
      "InvalidParameterValueException",
      "The derived qualifier from the function name does not match the specified qualifier.",
    );
  }
}

function functionNameViolations(name: string): string[] {
  const found: string[] = [];
  const at = (constraint: string) => violation(name, "functionName", constraint);
  if (name.length < 1) found.push(at("Member must have length greater than or equal to 1"));
  if (name.length > MAX_FUNCTION_NAME_LENGTH) {
    found.push(at(`Member must have length less than or equal to ${MAX_FUNCTION_NAME_LENGTH}`));
  }
  if (!FUNCTION_NAME.test(name))
    found.push(at(`Member must satisfy regular expression pattern: ${FUNCTION_NAME_PATTERN}`));
  return found;
}

function qualifierViolations(qualifier: string | undefined): string[] {
  if (qualifier === undefined) return [];
  const found: string[] = [];
  const at = (constraint: string) => violation(qualifier, "qualifier", constraint);
  if (qualifier.length < 1) found.push(at("Member must have length greater than or equal to 1"));
  if (qualifier.length > MAX_QUALIFIER_LENGTH) {
    found.push(at(`Member must have length less than or equal to ${MAX_QUALIFIER_LENGTH}`));
  }
  if (qualifier.length > 0 && !QUALIFIER.test(qualifier)) {
    found.push(at(`Member must satisfy regular expression pattern: ${QUALIFIER_PATTERN}`));
  }
  return found;
}
