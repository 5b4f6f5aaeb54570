/**
 * `${file(path):address}`: a value from another file, as the Serverless Framework v3 reads it
 * (lib/configuration/variables/sources/file.js; https://www.serverless.com/framework/docs/guides/variables/file):
 * - the path is relative to the service folder (absolute paths and `../common/config.yml` are allowed, as in the
 *   Framework: the file is the user's own); it may hold variables (`${file(./config.${sls:stage}.yml)}`);
 * - `.yml` / `.yaml` (CloudFormation tags allowed) and `.json` are parsed, and the address (`key.sub`) walks into
 *   them; any other extension gives the file's text, which has no address;
 * - `.js` / `.cjs` / `.mjs` are run: the exported value (module.exports, or an ES module's default export, else its
 *   named exports), called when it is a function, then the address walked, calling each function met — as the
 *   Framework does. A function receives `{ options: { stage, region } }`; the Framework's `resolveVariable` and
 *   `resolveConfigurationProperty` throw (write the variable in serverless.yml instead). The file runs in a child
 *   Node.js process, in the service folder, bounded by JS_FILE_TIMEOUT_MS, so that its code and its module state
 *   never enter Lambkin's own process and a file that never finishes cannot hang Lambkin; its value must be JSON;
 * - a missing file has no value (a default applies), as in the Framework.
 * What is read goes through readServiceFile: regular files only, bounded, nothing under /proc, /sys or /dev.
 */
import { execFileSync } from "node:child_process";
import { extname, isAbsolute, resolve } from "node:path";
import { ManifestError } from "./manifest-error.js";
import { parseYamlFile } from "./read-manifest.js";
import { readServiceFile, ServiceFileProblem } from "./service-file.js";
import { VariableProblem } from "./variable-syntax.js";

/** How long a `.js` file may take to give its value. */
export const JS_FILE_TIMEOUT_MS = 10_000;
const JS_FILE_OUTPUT_BYTES = 8 * 1024 * 1024;

export type FileContent =
  /** A parsed file: the address is still to be walked. */
  | { readonly kind: "document"; readonly file: string; readonly value: unknown }
  /** A `.js` file's value at the address, already walked. */
  | { readonly kind: "addressed"; readonly file: string; readonly value: unknown };

export interface FileSourceOptions {
  readonly stage: string;
  readonly region: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The absolute path a `${file(…)}` names. */
export function fileSourcePath(serviceDir: string, written: string): string {
  const path = written.trim();
  if (path === "")
    throw new VariableProblem(
      `\${file()} names no file`,
      `Write e.g. \${file(./config.yml):key}`,
      false,
      "LKN_ERR_MANIFEST_FILE_SOURCE",
    );
  return isAbsolute(path) ? path : resolve(serviceDir, path);
}

/** The file's content, or null when it does not exist. */
export function readFileSource(
  serviceDir: string,
  written: string,
  address: string,
  /** Asked only for a `.js` file: a `${file(…)}` in provider.stage must not need the stage. */
  options: () => FileSourceOptions,
): FileContent | null {
  const file = fileSourcePath(serviceDir, written);
  const label = `\${file(${written})}`;
  let source: string | undefined;
  try {
    source = readServiceFile(file);
  } catch (error) {
    if (!(error instanceof ServiceFileProblem)) throw error;
    throw problem(`${label}: ${file} ${error.message}`, "Point it at a readable YAML, JSON or .js file");
  }
  if (source === undefined) return null;
  const extension = extname(file).toLowerCase();
  if (extension === ".yml" || extension === ".yaml") {
    try {
      return { kind: "document", file, value: parseYamlFile(file, source).value };
    } catch (error) {
      if (error instanceof ManifestError) throw problem(`${label}: ${error.message}`, "Fix that file");
      throw error;
    }
  }
  if (extension === ".json") {
    try {
      return { kind: "document", file, value: JSON.parse(source) as unknown };
    } catch (error) {
      throw problem(`${label}: ${file} is not valid JSON (${(error as Error).message})`, "Fix that file");
    }
  }
  if (extension === ".js" || extension === ".cjs" || extension === ".mjs")
    return { kind: "addressed", file, value: runJsFile(serviceDir, file, label, address, options()) };
  if (address !== "")
    throw problem(
      `${label}:${address}: ${file} is read as text (not .yml, .yaml, .json or .js), which has no keys`,
      `Write ${label} without an address, or use a YAML or JSON file`,
    );
  return { kind: "document", file, value: source };
}

function problem(message: string, fix: string): VariableProblem {
  return new VariableProblem(message, fix, false, "LKN_ERR_MANIFEST_FILE_SOURCE");
}

const RESULT_MARK = "\u0000lambkin-file-value\u0000";

/** Runs in the child: stdout is the value's only channel, so the file's own console output goes to stderr. */
const JS_FILE_RUNNER = `
import { pathToFileURL } from "node:url";
const [file, address, optionsJson] = process.argv.slice(1);
console.log = console.info = console.debug = console.error;
const unsupported = (name) => () => {
  throw new Error(name + " is not supported by Lambkin: write the variable in serverless.yml instead");
};
const context = {
  options: JSON.parse(optionsJson),
  resolveVariable: unsupported("resolveVariable"),
  resolveConfigurationProperty: unsupported("resolveConfigurationProperty"),
};
try {
  const module = await import(pathToFileURL(file).href);
  let value = "default" in module ? module.default : { ...module };
  if (typeof value === "function") value = await value(context);
  for (const key of address === "" ? [] : address.split(".")) {
    value = value === null || value === undefined ? undefined : value[key];
    if (typeof value === "function") value = await value(context);
  }
  process.stdout.write(${JSON.stringify(RESULT_MARK)} + JSON.stringify({ value: value ?? null }));
  process.exit(0);
} catch (error) {
  process.stderr.write(${JSON.stringify(RESULT_MARK)} + String(error && error.stack ? error.stack : error));
  process.exit(1);
}
`;

function runJsFile(
  serviceDir: string,
  file: string,
  label: string,
  address: string,
  options: FileSourceOptions,
): unknown {
  const where = address === "" ? label : `${label}:${address}`;
  let stdout: string;
  try {
    stdout = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "--eval",
        JS_FILE_RUNNER,
        file,
        address,
        JSON.stringify({ stage: options.stage, region: options.region }),
      ],
      {
        cwd: serviceDir,
        env: options.env,
        encoding: "utf8",
        timeout: JS_FILE_TIMEOUT_MS,
        killSignal: "SIGKILL",
        maxBuffer: JS_FILE_OUTPUT_BYTES,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
  } catch (error) {
    const failure = error as { stderr?: string; signal?: string | null; code?: string };
    if (failure.code === "ENOBUFS")
      throw problem(
        `${where}: ${file} gave more than ${JS_FILE_OUTPUT_BYTES} bytes`,
        "Make its value smaller",
      );
    if (failure.signal)
      throw problem(
        `${where}: ${file} did not give its value within ${JS_FILE_TIMEOUT_MS / 1000} s`,
        "Make the function it exports finish (and resolve its promise)",
      );
    const stderr = String(failure.stderr ?? "");
    const mark = stderr.lastIndexOf(RESULT_MARK);
    const reason = (mark >= 0 ? stderr.slice(mark + RESULT_MARK.length) : stderr)
      .trim()
      .split("\n")
      .slice(0, 4)
      .join(" | ");
    throw problem(
      `${where}: ${file} failed: ${reason.slice(0, 1000) || "it exited without a value"}`,
      "Fix that file",
    );
  }
  const mark = stdout.lastIndexOf(RESULT_MARK);
  if (mark < 0)
    throw problem(`${where}: ${file} exited without giving its value`, "Do not call process.exit in it");
  try {
    return (JSON.parse(stdout.slice(mark + RESULT_MARK.length)) as { value: unknown }).value;
  } catch {
    throw problem(
      `${where}: ${file} gave a value that is not JSON`,
      "Export plain data (strings, numbers, objects, lists)",
    );
  }
}
