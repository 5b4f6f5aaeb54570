/**
 * Reads one serverless.yml into a plain object: YAML syntax errors become ManifestErrors with line and column,
 * CloudFormation short-form tags become their long form, and YAML warnings (such as an unknown `!Tag`) become
 * ManifestWarnings. Variables are left as written; resolving them is the variable resolver's job.
 */
import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument, type YAMLError } from "yaml";
import { cloudFormationTags } from "./cloudformation-yaml-tags.js";
import { ManifestError, type ManifestWarning, manifestWarning } from "./manifest-error.js";

export interface RawManifest {
  readonly document: Record<string, unknown>;
  readonly warnings: ManifestWarning[];
}

export async function readManifest(file: string): Promise<RawManifest> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (error) {
    throw new ManifestError(
      file,
      "",
      `cannot be read (${(error as Error).message})`,
      "Check the path and its permissions.",
      "LKN_ERR_MANIFEST_NOT_FOUND",
    );
  }
  return parseManifest(file, source);
}

export function parseManifest(file: string, source: string): RawManifest {
  // `merge: true`: the Serverless Framework parses with js-yaml, which honours `<<:` merge keys (YAML 1.1).
  const lines = new LineCounter();
  const doc = parseDocument(source, {
    customTags: cloudFormationTags,
    merge: true,
    prettyErrors: false,
    lineCounter: lines,
  });
  const position = (error: YAMLError): string => {
    const { line, col } = lines.linePos(error.pos[0]);
    return `at line ${line}, column ${col}`;
  };
  const [syntaxError] = doc.errors;
  if (syntaxError) {
    throw new ManifestError(
      file,
      "",
      `YAML syntax error ${position(syntaxError)}: ${syntaxError.message}`,
      "Fix the YAML at that position.",
      "LKN_ERR_MANIFEST_YAML",
    );
  }
  const document: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new ManifestError(
      file,
      "",
      "is not a YAML mapping",
      "A serverless.yml starts with keys such as `service:`, `provider:` and `functions:`.",
      "LKN_ERR_MANIFEST_YAML",
    );
  }
  const warnings = doc.warnings.map((warning) => {
    // An unknown `!Tag` is not an error in YAML: its value is kept as the plain scalar or collection.
    const effect =
      warning.code === "TAG_RESOLVE_FAILED" ? "; Lambkin reads the value as if it had no tag" : "";
    return manifestWarning(
      file,
      "",
      `YAML ${position(warning)}: ${warning.message}${effect}`,
      "LKN_WRN_MANIFEST_YAML",
    );
  });
  return { document: document as Record<string, unknown>, warnings };
}
