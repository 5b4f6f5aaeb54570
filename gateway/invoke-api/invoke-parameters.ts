/**
 * Reads what an Invoke call says besides its payload and its `{FunctionName}` label (API_Invoke request syntax):
 * `?Qualifier=`, and the headers `X-Amz-Invocation-Type` (RequestResponse by default, Event, DryRun),
 * `X-Amz-Log-Type` (None by default, Tail) and `X-Amz-Client-Context` (base64 JSON, decoded and checked by the
 * invoker). A value outside an enum is a ValidationException worded as AWS words enum constraints.
 */
import type { FastifyRequest } from "fastify";
import { validationError, violation } from "./api-error.js";
import { checkFunctionName } from "./function-name-parameter.js";

export const INVOCATION_TYPES = ["Event", "RequestResponse", "DryRun"] as const;
export type InvocationType = (typeof INVOCATION_TYPES)[number];
const LOG_TYPES = ["None", "Tail"] as const;
type LogType = (typeof LOG_TYPES)[number];

export interface InvokeParameters {
  readonly functionName: string;
  readonly qualifier?: string;
  readonly invocationType: InvocationType;
  readonly logType: LogType;
  readonly clientContextBase64?: string;
}

export function invokeParameters(request: FastifyRequest, functionName: string): InvokeParameters {
  const qualifier = queryParameter(request, "Qualifier");
  checkFunctionName(functionName, qualifier);
  const invocationType =
    enumHeader(request, "x-amz-invocation-type", "invocationType", INVOCATION_TYPES) ?? "RequestResponse";
  const logType = enumHeader(request, "x-amz-log-type", "logType", LOG_TYPES) ?? "None";
  return {
    functionName,
    invocationType,
    logType,
    ...(qualifier === undefined ? {} : { qualifier }),
    ...optionalHeader(request, "x-amz-client-context", "clientContextBase64"),
  };
}

/** A query parameter's first value, or undefined when absent. */
export function queryParameter(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function enumHeader<T extends string>(
  request: FastifyRequest,
  header: string,
  member: string,
  allowed: readonly T[],
): T | undefined {
  const value = headerValue(request, header);
  if (value === undefined || value === "") return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw validationError([
    violation(value, member, `Member must satisfy enum value set: [${allowed.join(", ")}]`),
  ]);
}

function optionalHeader<K extends string>(
  request: FastifyRequest,
  header: string,
  key: K,
): Partial<Record<K, string>> {
  const value = headerValue(request, header);
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
