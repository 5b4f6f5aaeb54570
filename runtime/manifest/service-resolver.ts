/**
 * The variable resolver of one service, with its `.env` file when it sets `useDotenv: true`. As in the Serverless
 * Framework v3 (lib/cli/conditionally-load-dotenv.js), `useDotenv` and the stage that picks the file are read
 * first, with the environment alone; the file then feeds `${env:…}` everywhere else. A `provider.stage` that
 * changes once the file is loaded (it reads a variable the file sets) is refused, as the Framework refuses it
 * (DOTENV_ENV_VAR_RESOLUTION_CONFLICT): the file that was picked would no longer be the stage's.
 */
import { dirname } from "node:path";
import { loadDotenv } from "./dotenv-files.js";
import { ManifestError } from "./manifest-error.js";
import { type ResolverOptions, VariableResolver } from "./variable-resolver.js";

export function serviceResolver(
  file: string,
  document: Record<string, unknown>,
  options: ResolverOptions,
): VariableResolver {
  const first = new VariableResolver(file, document, options);
  if (first.get(["useDotenv"]) !== true) return first;
  const stage = first.stage();
  const dotenv = loadDotenv(dirname(file), stage, options.env);
  // Both candidates: creating `.env.<stage>` beside `.env` changes which one is loaded.
  for (const candidate of dotenv.candidates) first.configurationFiles.add(candidate);
  if (dotenv.file === undefined) return first;
  const resolver = new VariableResolver(file, document, { ...options, env: dotenv.env });
  for (const known of first.configurationFiles) resolver.configurationFiles.add(known);
  if (resolver.stage() !== stage)
    throw new ManifestError(
      file,
      ["provider", "stage"],
      `is "${stage}" without ${dotenv.file} and "${resolver.stage()}" with it: the stage picks the .env file, so it cannot depend on one`,
      "Set the variable provider.stage reads in the environment, or pass --stage",
      "LKN_ERR_MANIFEST_DOTENV",
    );
  return resolver;
}
