/**
 * The local stand-in for what `${ssm:…}` and `${cf:…}` read from AWS: one file per service,
 * `lambkin-parameters.yml` next to its serverless.yml, read only when a variable needs it:
 *
 *     ssm:
 *       /coupons/dev/db-url: postgres://localhost/coupons        # String or SecureString
 *       /coupons/dev/allowed-ips: [10.0.0.1, 10.0.0.2]           # StringList: a list, as ${ssm:…} gives it
 *       /aws/reference/secretsmanager/coupons/dev/api: '{"key":"local"}'
 *     cf:
 *       billing-dev:                                             # a stack name
 *         QueueUrl: http://127.0.0.1:3000/000000000000/billing   # its outputs
 *
 * The lookups follow the Framework's sources (lib/configuration/variables/sources/instance-dependent/
 * get-ssm.js and get-cf.js, v3): a StringList parameter becomes a list; a Secrets Manager reference
 * (`/aws/reference/secretsmanager/<name>`) is parsed as JSON when it is JSON, unless `${ssm(raw):…}`; SecureStrings
 * are decrypted (nothing to do locally), and v2's `~true` / `~false` decryption suffix is accepted and ignored;
 * a region in `${ssm(eu-west-1):…}` / `${cf(eu-west-1):…}` is accepted: one file serves every region.
 */
import { join } from "node:path";
import { describeValue, ManifestError } from "./manifest-error.js";
import { parseYamlFile } from "./read-manifest.js";
import { readServiceFile, ServiceFileProblem } from "./service-file.js";
import { VariableProblem } from "./variable-syntax.js";

export const PARAMETERS_FILE_NAME = "lambkin-parameters.yml";

const SECRETS_MANAGER_PREFIX = "/aws/reference/secretsmanager/";

export class LocalParameters {
  readonly file: string;
  private content: { ssm: Record<string, unknown>; cf: Record<string, unknown> } | undefined;

  constructor(
    serviceDir: string,
    /** Told of the file when a variable first needs it (the resolver's configuration files). */
    private readonly onRead: (file: string) => void = () => {},
  ) {
    this.file = join(serviceDir, PARAMETERS_FILE_NAME);
  }

  /** `${ssm:name}`'s value, or null when the file does not hold the parameter (so that a default applies). */
  ssm(params: string | undefined, address: string): unknown {
    const { raw } = ssmParams(params);
    const name = parameterName(address);
    const { ssm } = this.read();
    if (!Object.hasOwn(ssm, name)) return null;
    const value = ssm[name];
    if (typeof value === "string" && name.startsWith(SECRETS_MANAGER_PREFIX) && !raw)
      return jsonOrText(value);
    return value;
  }

  /** `${cf:stack.output}`'s value, or null when the file does not hold it. */
  cf(address: string): unknown {
    const { stack, output } = stackOutput(address);
    const outputs = this.read().cf[stack];
    if (!isMapping(outputs) || !Object.hasOwn(outputs, output)) return null;
    return outputs[output];
  }

  /** Whether the file exists: the fix for a missing parameter says to create it or to add to it. */
  exists(): boolean {
    return readServiceFile(this.file) !== undefined;
  }

  private read(): { ssm: Record<string, unknown>; cf: Record<string, unknown> } {
    if (this.content) return this.content;
    this.onRead(this.file);
    let source: string | undefined;
    try {
      source = readServiceFile(this.file);
    } catch (error) {
      if (!(error instanceof ServiceFileProblem)) throw error;
      throw new ManifestError(
        this.file,
        "",
        error.message,
        "Make it a readable YAML file",
        "LKN_ERR_MANIFEST_PARAMETERS_FILE",
      );
    }
    const value = source === undefined ? {} : parseYamlFile(this.file, source).value;
    const document = value === null ? {} : value;
    if (!isMapping(document)) throw shapeError(this.file, "", document, "ssm: and cf: mappings");
    const ssm = document.ssm ?? {};
    const cf = document.cf ?? {};
    if (!isMapping(ssm)) throw shapeError(this.file, "ssm", ssm, "a mapping of parameter names to values");
    if (!isMapping(cf)) throw shapeError(this.file, "cf", cf, "a mapping of stack names to their outputs");
    for (const [stack, outputs] of Object.entries(cf))
      if (!isMapping(outputs))
        throw shapeError(this.file, ["cf", stack], outputs, "a mapping of output names to values");
    this.content = { ssm, cf };
    return this.content;
  }
}

function shapeError(file: string, path: string | string[], value: unknown, expected: string): ManifestError {
  return new ManifestError(
    file,
    path,
    `must be ${expected}, not ${describeValue(value)}`,
    `Write e.g. ssm: { /app/dev/name: value } and cf: { stack-dev: { OutputKey: value } }`,
    "LKN_ERR_MANIFEST_PARAMETERS_FILE",
  );
}

/** `${ssm(raw):…}`, `${ssm(eu-west-1):…}`, `${ssm(raw, eu-west-1):…}`: the Framework's two parameters. */
function ssmParams(params: string | undefined): { raw: boolean } {
  let raw = false;
  for (const param of (params ?? "").split(",").map((part) => part.trim())) {
    if (param === "") continue;
    if (param === "raw") raw = true;
    else if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(param))
      throw new VariableProblem(
        `\${ssm(${params}):…} has the parameter "${param}", which is neither raw nor a region`,
        `Write \${ssm:/name}, \${ssm(raw):/name} or \${ssm(eu-west-1):/name}`,
      );
  }
  return { raw };
}

/** The parameter's name without v2's decryption suffix (`~true` / `~false`). */
export function parameterName(address: string): string {
  const name = address.replace(/~(true|false)$/, "");
  if (name === "")
    throw new VariableProblem(`\${ssm:} names no parameter`, `Write e.g. \${ssm:/app/dev/name}`);
  return name;
}

/** `stack.output`: the stack name may not hold a dot; the first dot splits them, as in get-cf.js. */
export function stackOutput(address: string): { stack: string; output: string } {
  const dot = address.indexOf(".");
  const stack = address.slice(0, dot);
  const output = address.slice(dot + 1);
  if (dot <= 0 || output === "")
    throw new VariableProblem(
      `\${cf:${address}} does not name a stack and an output`,
      `Write \${cf:stackName.outputKey}`,
    );
  return { stack, output };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
