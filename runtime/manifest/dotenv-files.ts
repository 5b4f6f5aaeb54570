/**
 * `.env` files, as the Serverless Framework v3 loads them for a service that sets `useDotenv: true`
 * (https://www.serverless.com/framework/docs/environment-variables, lib/cli/conditionally-load-dotenv.js and
 * lib/cli/load-dotenv.js):
 * - only with `useDotenv: true`; without it the files are ignored, whatever they hold;
 * - `.env.<stage>` when it exists, else `.env` — one file, never both — from the service's folder, the stage being
 *   `--stage`, else `provider.stage`, else `dev`;
 * - parsed by dotenv and expanded by dotenv-expand (`URL=http://${HOST}:3000`), and a variable already set in the
 *   environment keeps its value: the file never overrides it.
 * Unlike the Framework, which writes into its own process.env, the result is a new environment for this one service:
 * Lambkin loads several services in one process, and one service's `.env` must not leak into another's `${env:…}`
 * (nor into Lambkin's own settings). It feeds `${env:…}` only; a function's environment is still its `environment:`.
 */
import { join } from "node:path";
import { parse } from "dotenv";
import { expand } from "dotenv-expand";
import { ManifestError } from "./manifest-error.js";
import { limitError, MAX_RESOLVED_TEXT } from "./manifest-limits.js";
import { readServiceFile, ServiceFileProblem } from "./service-file.js";

export interface DotenvResult {
  /** The service's environment: the given one, with the file's variables that it did not set. */
  readonly env: NodeJS.ProcessEnv;
  /** The file loaded, or undefined when neither exists. */
  readonly file: string | undefined;
  /** The files looked for, in order: `.env.<stage>`, `.env`. */
  readonly candidates: readonly string[];
}

export function loadDotenv(serviceDir: string, stage: string, env: NodeJS.ProcessEnv): DotenvResult {
  const candidates = [`.env.${stage}`, ".env"].map((name) => join(serviceDir, name));
  for (const file of candidates) {
    const source = readIfPresent(file);
    if (source === undefined) continue;
    const processEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries(env)) if (value !== undefined) processEnv[key] = value;
    const parsed = parse(source);
    // dotenv.config() without `override`: a variable already in the environment (even empty) is kept.
    for (const [key, value] of Object.entries(parsed))
      if (!Object.hasOwn(processEnv, key)) processEnv[key] = value;
    checkExpansion(file, parsed, processEnv);
    // dotenv-expand, as the Framework calls it: expands the file's values, the environment's winning.
    expand({ parsed, processEnv });
    return { env: processEnv, file, candidates };
  }
  return { env, file: undefined, candidates };
}

/** `${NAME}` and `$NAME`, as dotenv-expand finds them (lib/main.js). */
const REFERENCE = /(?<!\\)\$\{([^{}]+)\}|(?<!\\)\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * A file whose values double with each line (`B=$A$A`, `C=$B$B`, …) would expand to gigabytes: before dotenv-expand
 * runs, the length of every value is bounded from above, in file order as dotenv-expand expands them, and a file
 * over MAX_RESOLVED_TEXT in all is refused (LKN_ERR_MANIFEST_LIMIT) instead of exhausting memory.
 */
function checkExpansion(file: string, parsed: Record<string, string>, env: Record<string, string>): void {
  const bound = new Map<string, number>();
  let total = 0;
  for (const [key, value] of Object.entries(parsed)) {
    let length = value.length;
    for (const match of value.matchAll(REFERENCE)) {
      const name = (match[1] ?? match[2] ?? "").split(/:\+|\+|:-|-/)[0] ?? "";
      length += bound.get(name) ?? env[name]?.length ?? 0;
    }
    bound.set(key, length);
    total += length;
    if (total > MAX_RESOLVED_TEXT)
      throw limitError(
        file,
        key,
        `its variables would expand to more than ${MAX_RESOLVED_TEXT} characters (at ${key})`,
      );
  }
}

function readIfPresent(file: string): string | undefined {
  try {
    return readServiceFile(file);
  } catch (error) {
    if (!(error instanceof ServiceFileProblem)) throw error;
    // load-dotenv.js: any failure but a missing file is DOTENV_LOAD_ERROR ("Failed to load environment variables").
    throw new ManifestError(
      file,
      "",
      `${error.message}, so its environment variables cannot be loaded (useDotenv: true)`,
      "Make it a readable text file, or remove it",
      "LKN_ERR_MANIFEST_DOTENV",
    );
  }
}
