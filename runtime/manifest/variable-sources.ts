/**
 * The variable sources Lambkin resolves without AWS: `env`, `opt`, `sls` and `aws` (`self` belongs to the
 * resolver, which owns the document), and what it tells the user about every other source. Behaviour follows the
 * Serverless Framework's sources (lib/configuration/variables/sources/*.js, v3).
 */
import { LOCAL_ACCOUNT_ID } from "./local-account.js";
import { VariableProblem } from "./variable-syntax.js";

export interface SourceContext {
  readonly env: NodeJS.ProcessEnv;
  readonly options: { readonly stage?: string | undefined; readonly region?: string | undefined };
  /** `--stage`, else `provider.stage`, else `dev`. */
  stage(): string;
  /** `--region`, else `provider.region`, else `us-east-1`. */
  region(): string;
}

const SUPPORTED = `\${self:…}, \${env:…}, \${opt:stage}, \${opt:region}, \${sls:stage}, \${aws:region}, \${aws:accountId}`;

/** Sources that read AWS: Lambkin has no AWS account to read from. */
const AWS_BACKED: Readonly<Record<string, string>> = {
  ssm: "AWS SSM Parameter Store",
  s3: "S3 objects",
  cf: "CloudFormation stack outputs",
  param: "Serverless Dashboard parameters",
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
  if (type === "file") {
    return new VariableProblem(
      `${written} reads another file, which Lambkin does not support`,
      `Move those values into serverless.yml (e.g. under custom:) and use \${self:custom.…}, or use \${env:NAME}`,
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

/** How to fix a variable whose source has no value and which has no default. */
export function notFoundFix(type: string, address: string): string {
  switch (type) {
    case "env":
      return `Set ${address} in the environment Lambkin runs in, or give a default: \${env:${address}, 'value'}`;
    case "opt":
      return `Pass --${address} to lambkin, or give a default: \${opt:${address}, 'value'}`;
    case "self":
      return `Add ${address} to serverless.yml, or give a default: \${self:${address}, 'value'}`;
    default:
      return `Give a default: \${${type}:${address}, 'value'}`;
  }
}
