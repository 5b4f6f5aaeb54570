/**
 * The read-only control plane (docs/lambda-behaviour.md §3.4), enough for `aws lambda list-functions`, `get-function`,
 * `get-function-configuration`, SDK paginators and deploy scripts that look before they leap:
 * - ListFunctions `GET /2015-03-31/functions/` (botocore) and `/2015-03-31/functions` (aws-sdk-js-v3);
 * - GetFunction `GET /2015-03-31/functions/{FunctionName}` → Configuration, Code, Tags, Concurrency;
 * - GetFunctionConfiguration `GET /2015-03-31/functions/{FunctionName}/configuration`.
 * Every name form Invoke accepts works here too (name, `functions:` key, ARN, partial ARN, `name:$LATEST`).
 */
import { pathToFileURL } from "node:url";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { resolveFunction } from "../../runtime/invocation/resolve-function.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import type { GatewayBackend } from "../gateway-backend.js";
import { type CodeFingerprint, codeFingerprint } from "./code-fingerprint.js";
import { functionConfiguration, listedFunctionConfiguration } from "./function-configuration.js";
import { checkFunctionName } from "./function-name-parameter.js";
import { registerFunctionOperations } from "./function-operations.js";
import { queryParameter } from "./invoke-parameters.js";
import { listFunctionsPage } from "./list-functions-page.js";

export function registerControlPlaneRoutes(api: FastifyInstance, backend: GatewayBackend): void {
  const listFunctions = async (request: FastifyRequest) => {
    const page = listFunctionsPage(backend.registry.all(), {
      marker: queryParameter(request, "Marker"),
      maxItems: queryParameter(request, "MaxItems"),
      functionVersion: queryParameter(request, "FunctionVersion"),
      masterRegion: queryParameter(request, "MasterRegion"),
    });
    const code = fingerprints();
    const functions = await Promise.all(
      page.functions.map(async (fn) => listedFunctionConfiguration(fn, await code(fn))),
    );
    return {
      Functions: functions,
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    };
  };
  api.get("/functions", listFunctions);
  api.get("/functions/", listFunctions);

  registerFunctionOperations(api, "GET", {
    "": async (request, _reply, functionName) => {
      const fn = resolve(backend, request, functionName);
      return {
        Configuration: functionConfiguration(fn, await codeFingerprint(fn)),
        // Lambda answers a presigned S3 URL of the package; Lambkin's code is the service folder itself.
        Code: fn.image
          ? { RepositoryType: "ECR", ImageUri: fn.image.name, ResolvedImageUri: fn.image.name }
          : { RepositoryType: "S3", Location: pathToFileURL(fn.serviceDir).href },
        Tags: cloudFormationTags(fn),
        ...(fn.reservedConcurrency === undefined
          ? {}
          : { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } }),
      };
    },
    "/configuration": async (request, _reply, functionName) => {
      const fn = resolve(backend, request, functionName);
      return functionConfiguration(fn, await codeFingerprint(fn));
    },
  });
}

function resolve(backend: GatewayBackend, request: FastifyRequest, name: string): FunctionDefinition {
  const qualifier = queryParameter(request, "Qualifier");
  checkFunctionName(name, qualifier);
  return resolveFunction(backend.registry, name, qualifier);
}

/** Functions of one service share a folder: fingerprint it once per request. */
function fingerprints(): (fn: FunctionDefinition) => Promise<CodeFingerprint> {
  const byDir = new Map<string, Promise<CodeFingerprint>>();
  return (fn) => {
    const known = byDir.get(fn.serviceDir);
    if (known) return known;
    const computed = codeFingerprint(fn);
    byDir.set(fn.serviceDir, computed);
    return computed;
  };
}

/**
 * The tags CloudFormation puts on a function that `serverless deploy` created: its stack (`<service>-<stage>`) and
 * its logical id (naming.getLambdaLogicalId: the key with `-`→`Dash`, `_`→`Underscore`, capitalised).
 */
function cloudFormationTags(fn: FunctionDefinition): Record<string, string> {
  const normalized = fn.key.replace(/-/g, "Dash").replace(/_/g, "Underscore");
  return {
    "aws:cloudformation:stack-name": `${fn.service}-${fn.stage}`,
    "aws:cloudformation:logical-id": `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`,
  };
}
