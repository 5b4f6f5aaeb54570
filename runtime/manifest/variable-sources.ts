/**
 * The variable sources Lambkin resolves without AWS: `env` (with the service's `.env` file when it sets
 * `useDotenv: true`), `opt`, `sls`, `aws`, and `ssm` / `cf` from the service's local parameter file
 * (local-parameters.ts); `self`, `param` (serverless.yml's `params:`) and `file` belong to the resolver, which owns
 * the document and resolves the variables inside a file. And what it tells the user about every other source.
 * Behaviour follows the Serverless Framework's sources (lib/configuration/variables/sources/*.js, v3).
 */
import { LOCAL_ACCOUNT_ID } from "./local-account.js";
import {
  type LocalParameters,
  PARAMETERS_FILE_NAME,
  parameterName,
  stackOutput,
} from "./local-parameters.js";
import type { ManifestErrorCode } from "./manifest-error.js";
import { VariableProblem } from "./variable-syntax.js";

export interface SourceContext {
  readonly env: NodeJS.ProcessEnv;
  /** The service's lambkin-parameters.yml, read when a variable first needs it. */
  readonly parameters: LocalParameters;
  readonly options: { readonly stage?: string | undefined; readonly region?: string | undefined };
  /** `--stage`, else `provider.stage`, else `dev`. */
  stage(): string;
  /** `--region`, else `provider.region`, else `us-east-1`. */
  region(): string;
}

const SUPPORTED = `\${self:…}, \${env:…}, \${opt:stage}, \${opt:region}, \${sls:stage}, \${aws:region}, \${aws:accountId}, \${file(…):…}, \${ssm:…} and \${cf:…} (from ${PARAMETERS_FILE_NAME}), \${param:…} (from params:)`;

/** Sources that read AWS and have no local stand-in: Lambkin has no AWS account to read from. */
const AWS_BACKED: Readonly<Record<string, string>> = {
  s3: "S3 objects",
};

/** The value of `${type:address}`, or null when the source has none there (so that a fallback applies). */
export function lookUpSource(
  type: string,
  params: string | undefined,
  address: string,
  context: SourceContext,
): unknown {
  switch (type) {
    case "env":
      if (!address) throw missingAddress(type);
      // sources/env.js: `process.env[address] || null`: an empty variable counts as unset.
      return context.env[address] || null;
    case "opt":
      // Lambkin's only deployment options are --stage and --region; any other option was never passed.
      if (address === "stage") return context.options.stage || null;
      if (address === "region") return context.options.region || null;
      return null;
    case "sls":
      // sources/sls.js: stage is the --stage option, else provider.stage, else "dev".
      if (address === "stage") return context.stage();
      throw new VariableProblem(`\${sls:${address}} is not supported`, `Lambkin resolves \${sls:stage} only`);
    case "aws":
      // The Framework asks AWS (STS) for these; Lambkin answers with its own region and local account.
      if (address === "region") return context.region();
      if (address === "accountId") return LOCAL_ACCOUNT_ID;
      throw new VariableProblem(
        `\${aws:${address}} is not supported`,
        `Lambkin resolves \${aws:region} and \${aws:accountId} only`,
      );
    case "ssm":
      return context.parameters.ssm(params, address);
    case "cf":
      // get-cf.js: `${cf(region):stack.output}`; the region needs no file of its own locally.
      return context.parameters.cf(address);
    default:
      throw unsupportedSource(type, params);
  }
}

function unsupportedSource(type: string, params: string | undefined): VariableProblem {
  const written = params === undefined ? `\${${type}:…}` : `\${${type}(${params})}`;
  const backing = AWS_BACKED[type];
  if (backing) {
    return new VariableProblem(
      `${written} reads ${backing}, which Lambkin does not support (it has no AWS account to read from)`,
      `Pass the value through the environment instead, e.g. \${env:NAME, 'local value'}`,
    );
  }
  return new VariableProblem(
    `unsupported variable source "${type}" in ${written}`,
    `Lambkin resolves ${SUPPORTED}`,
  );
}

function missingAddress(type: string): VariableProblem {
  return new VariableProblem(`\${${type}:} has no address`, `Name what to read, e.g. \${${type}:NAME}`);
}

/** What to say about a variable whose source has no value and which has no default. */
export interface NotFound {
  readonly fix: string;
  readonly code: ManifestErrorCode;
  /** Why the source has none, when there is more to say than "value not found". */
  readonly detail?: string;
}

export function notFound(
  type: string,
  address: string,
  context: SourceContext,
  named?: { readonly file: string; readonly absent: boolean },
): NotFound {
  const code: ManifestErrorCode = "LKN_ERR_MANIFEST_VARIABLE";
  switch (type) {
    case "env":
      return {
        code,
        fix: `Set ${address} in the environment Lambkin runs in, or give a default: \${env:${address}, 'value'}`,
      };
    case "opt":
      return { code, fix: `Pass --${address} to lambkin, or give a default: \${opt:${address}, 'value'}` };
    case "self":
      return {
        code,
        fix: `Add ${address} to serverless.yml, or give a default: \${self:${address}, 'value'}`,
      };
    case "param":
      return {
        code,
        detail:
          "Lambkin reads stage parameters from serverless.yml's params:, not from the Serverless Dashboard",
        fix: `Add it under params.<stage> or params.default in serverless.yml, or give a default: \${param:${address}, 'value'}`,
      };
    case "file":
      if (named === undefined || named.absent)
        return {
          code: "LKN_ERR_MANIFEST_FILE_SOURCE",
          detail: `there is no file ${named?.file ?? ""}`.trim(),
          fix: `Create that file (a relative path is relative to the service folder), or give a default: \${file(…), 'value'}`,
        };
      return {
        code: "LKN_ERR_MANIFEST_FILE_SOURCE",
        detail: address === "" ? `${named.file} holds nothing` : `${named.file} has no value at ${address}`,
        fix: `Add ${address || "a value"} to ${named.file}, or give a default: \${file(…)${address ? `:${address}` : ""}, 'value'}`,
      };
    case "ssm": {
      const name = parameterName(address);
      const where = context.parameters.file;
      return {
        code: "LKN_ERR_MANIFEST_SSM_PARAMETER",
        detail: `the parameter ${name} is not in ${where}${context.parameters.exists() ? "" : " (there is no such file)"}`,
        fix: `Lambkin reads SSM parameters from that file: add it under ssm: there (ssm: { ${JSON.stringify(name)}: value }), or give a default: \${ssm:${address}, 'value'}`,
      };
    }
    case "cf": {
      const { stack, output } = stackOutput(address);
      const where = context.parameters.file;
      return {
        code: "LKN_ERR_MANIFEST_CF_OUTPUT",
        detail: `the output ${output} of stack ${stack} is not in ${where}${context.parameters.exists() ? "" : " (there is no such file)"}`,
        fix: `Lambkin reads CloudFormation outputs from that file: add it under cf: there (cf: { ${stack}: { ${output}: value } }), or give a default: \${cf:${address}, 'value'}`,
      };
    }
    default:
      return { code, fix: `Give a default: \${${type}:${address}, 'value'}` };
  }
}
