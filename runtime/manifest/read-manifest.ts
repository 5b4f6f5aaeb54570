/**
 * Reads one serverless.yml into a plain object: YAML syntax errors become ManifestErrors with line and column,
 * CloudFormation short-form tags become their long form, and YAML warnings (such as an unknown `!Tag`) become
 * ManifestWarnings. Variables are left as written; resolving them is the variable resolver's job. A file too
 * large, too deeply nested or whose aliases expand too far is refused before it is built (manifest-limits.ts).
 */
import { readFile, stat } from "node:fs/promises";
import { type Document, LineCounter, parseDocument, type YAMLError } from "yaml";
import { cloudFormationTags } from "./cloudformation-yaml-tags.js";
import { ManifestError, type ManifestWarning, manifestWarning } from "./manifest-error.js";
import { checkDocument, checkManifestSize, checkTokens, limitError } from "./manifest-limits.js";

/** yaml's own guard against alias bombs (its default is 100); its ReferenceError becomes a limit error. */
const MAX_ALIAS_COUNT = 1000;

export interface RawManifest {
  readonly document: Record<string, unknown>;
  readonly warnings: ManifestWarning[];
}

export async function readManifest(file: string): Promise<RawManifest> {
  let source: string;
  try {
    // The size is checked before reading; a file that grows in between is checked again below.
    checkManifestSize(file, (await stat(file)).size);
    source = await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof ManifestError) throw error;
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
  const { value: document, warnings } = parseYamlFile(file, source);
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new ManifestError(
      file,
      "",
      "is not a YAML mapping",
      "A serverless.yml starts with keys such as `service:`, `provider:` and `functions:`.",
      "LKN_ERR_MANIFEST_YAML",
    );
  }
  return { document: document as Record<string, unknown>, warnings };
}

/**
 * Any YAML file Lambkin reads for a service (the manifest, a `${file(…)}`, the local parameter file), with the
 * manifest's bounds and tags: its value, whatever its shape, and its warnings.
 */
export function parseYamlFile(file: string, source: string): { value: unknown; warnings: ManifestWarning[] } {
  checkManifestSize(file, Buffer.byteLength(source));
  checkTokens(file, source);
  // `merge: true`: the Serverless Framework parses with js-yaml, which honours `<<:` merge keys (YAML 1.1).
  const lines = new LineCounter();
  const doc = parseDocument(source, {
    customTags: cloudFormationTags,
    merge: true,
    // Duplicate keys are found by checkDocument, in linear time.
    uniqueKeys: false,
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
  checkDocument(file, doc, (offset) => {
    const { line, col } = lines.linePos(offset);
    return `at line ${line}, column ${col}`;
  });
  const value: unknown = toPlainObject(file, doc);
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
  return { value, warnings };
}

function toPlainObject(file: string, doc: Document): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // "Excessive alias count indicates a resource exhaustion attack"; a stack overflow is the same kind of refusal.
    if (error instanceof ReferenceError || error instanceof RangeError)
      throw limitError(file, "", `cannot be expanded: ${error.message}`);
    throw error;
  }
}
