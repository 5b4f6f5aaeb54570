/**
 * The bounds that keep a hostile serverless.yml from exhausting Lambkin: its size on disk, how deeply it
 * nests, how far its YAML aliases and its `${…}` variables expand it, and how long variables may chain. Each
 * bound is far above any real manifest (a CloudFormation template may not exceed 1 MB, and what the Serverless
 * Framework compiles from a serverless.yml must fit in one:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html), so only a file
 * built to expand (a "billion laughs", an anchor of 300,000 items aliased 400 times) meets one. A file over a
 * bound is refused with LKN_ERR_MANIFEST_LIMIT, naming the file and where the expansion happens, before
 * it can cost seconds of CPU or gigabytes of memory.
 *
 * Time is bounded through work, not a clock: every unit of expansion (a node copied, a variable resolved) is
 * counted against MAX_EXPANDED_NODES, so loading takes time in proportion to that bound on any machine.
 */
import { type Document, isAlias, isCollection, isPair, isScalar, Lexer, type Node } from "yaml";
import { formatKeyPath, type KeyPath, ManifestError } from "./manifest-error.js";

/** A serverless.yml larger than this is not read: four times CloudFormation's 1 MB template limit. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * How deeply collections may nest. Real manifests nest a few levels (a CloudFormation resource's
 * properties, a Step Functions definition: a few dozen at most); the YAML parser runs out of stack near 1,000.
 */
export const MAX_NESTING_DEPTH = 128;

/**
 * How many values (scalars and collections) the document may expand to, through YAML aliases when it is
 * parsed, and through `${self:…}` copies when it is resolved. A large real service is some thousands.
 */
export const MAX_EXPANDED_NODES = 1_000_000;

/**
 * How many values the file may write out, counted by the YAML lexer before anything is built: the parser
 * keeps about 1 KB per value (300,000 values: ~250 MB, 1 s). Above MAX_EXPANDED_NODES / 2, so that a file
 * whose aliases expand it is refused with the key where they do.
 */
export const MAX_WRITTEN_VALUES = 500_000;

/** How much text `${…}` interpolation may produce in all, in UTF-16 code units (≈ bytes for ASCII). */
export const MAX_RESOLVED_TEXT = 50 * 1024 * 1024;

/** How many variables may resolve through one another (`${self:a}` → `${self:b}` → …), or nest in one string. */
export const MAX_VARIABLE_DEPTH = 64;

const LIMIT = "LKN_ERR_MANIFEST_LIMIT";
const FIX =
  "Lambkin bounds what a serverless.yml may expand to, far above any real service: write the values out, or split the service";

export function limitError(file: string, path: KeyPath | string, problem: string): ManifestError {
  return new ManifestError(file, path, problem, FIX, LIMIT);
}

export function checkManifestSize(file: string, bytes: number): void {
  if (bytes <= MAX_MANIFEST_BYTES) return;
  throw limitError(
    file,
    "",
    `is ${bytes} bytes, over Lambkin's limit of ${MAX_MANIFEST_BYTES} bytes (${MAX_MANIFEST_BYTES / 1024 / 1024} MB) for a serverless.yml`,
  );
}

/**
 * What the YAML lexer sees before anything is parsed: flow collections (`[[[[…]]]]`) nested too deeply (the
 * parser and composer recurse per level; block nesting costs indentation, so the file size bounds it, and
 * checkDocument checks it with key paths), and more values written than the parser should build.
 */
export function checkTokens(file: string, source: string): void {
  let depth = 0;
  let values = 0;
  for (const token of new Lexer().lex(source)) {
    // The lexer announces each scalar with a control character (yaml's SCALAR, \x1f); quoted ones start with a quote.
    if (
      token === "\x1f" ||
      token.startsWith('"') ||
      token.startsWith("'") ||
      token === "[" ||
      token === "{"
    ) {
      values += 1;
      if (values > MAX_WRITTEN_VALUES) {
        throw limitError(file, "", `writes more than ${MAX_WRITTEN_VALUES} values`);
      }
    }
    if (token === "[" || token === "{") {
      depth += 1;
      if (depth > MAX_NESTING_DEPTH) {
        const { keyPath, where } = deepestPoint(source);
        throw limitError(
          file,
          keyPath,
          `collections ([…], {…}) nest more than ${MAX_NESTING_DEPTH} levels deep${where}`,
        );
      }
    } else if (token === "]" || token === "}") {
      depth -= 1;
    }
  }
}

/**
 * Where the brackets first nest too deeply, counted naively (quotes and comments ignored): the lexer's tokens
 * carry no offsets. Only for the message; the lexer's count decides.
 */
function deepestPoint(source: string): { keyPath: string; where: string } {
  let depth = 0;
  for (let offset = 0; offset < source.length; offset += 1) {
    const char = source.charCodeAt(offset);
    if (char === 0x5b || char === 0x7b) depth += 1;
    else if (char === 0x5d || char === 0x7d) depth -= 1;
    if (depth > MAX_NESTING_DEPTH) {
      const lines = source.slice(0, offset).split("\n");
      const column = (lines[lines.length - 1] as string).length + 1;
      return { keyPath: blockKeyPath(lines), where: ` near line ${lines.length}, column ${column}` };
    }
  }
  return { keyPath: "", where: "" };
}

/** The block-style keys above the last line (`custom:` then `  deep: [[[`: `custom.deep`), for messages. */
function blockKeyPath(lines: readonly string[]): string {
  const keys: string[] = [];
  let indent = Number.POSITIVE_INFINITY;
  for (let index = lines.length - 1; index >= 0 && indent > 0; index -= 1) {
    const match = /^( *)([A-Za-z0-9_$][^:#]*?):(?: |$)/.exec(lines[index] as string);
    if (!match || (match[1] as string).length >= indent) continue;
    indent = (match[1] as string).length;
    keys.unshift(match[2] as string);
  }
  return keys.join(".");
}

/**
 * Walks the parsed document in order, counting what it expands to when every alias is replaced by its
 * anchor's value (an anchor's size is computed once), without building that expansion. Refuses at the first
 * key whose expansion, with what precedes it in its collection, goes over MAX_EXPANDED_NODES, and at the
 * first collection nested more than MAX_NESTING_DEPTH levels. It also finds duplicate keys, which the YAML
 * parser would find in quadratic time (it compares each key with every earlier one); they are errors, as in
 * the Framework's js-yaml, except repeated `<<` merge keys.
 */
export function checkDocument(file: string, doc: Document, position: (offset: number) => string): void {
  const anchors = new Map<string, Node>();
  const sizes = new Map<Node, number>();
  const measure = (node: unknown, path: KeyPath): number => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      return target ? (sizes.get(target) ?? 1) : 1;
    }
    let size = 1;
    if (isCollection(node)) {
      if (path.length > MAX_NESTING_DEPTH) {
        throw limitError(file, path, `collections nest more than ${MAX_NESTING_DEPTH} levels deep`);
      }
      const keys = new Set<unknown>();
      node.items.forEach((item, index) => {
        if (isPair(item) && isScalar(item.key) && item.key.value !== "<<") {
          if (keys.has(item.key.value)) {
            throw new ManifestError(
              file,
              [...path, String(item.key.value)],
              `YAML syntax error ${position(item.key.range?.[0] ?? 0)}: Map keys must be unique`,
              "Remove or rename one of the two keys.",
              "LKN_ERR_MANIFEST_YAML",
            );
          }
          keys.add(item.key.value);
        }
        if (isPair(item)) {
          const key = isScalar(item.key) ? String(item.key.value) : index;
          size += measure(item.key, [...path, key]) + measure(item.value, [...path, key]);
        } else {
          size += measure(item, [...path, index]);
        }
        if (size > MAX_EXPANDED_NODES) {
          const key = isPair(item) && isScalar(item.key) ? String(item.key.value) : index;
          throw limitError(
            file,
            [...path, key],
            `YAML aliases expand the document to more than ${MAX_EXPANDED_NODES} values`,
          );
        }
      });
    }
    const anchored = node as Node;
    if (anchored && typeof anchored === "object" && anchored.anchor) {
      sizes.set(anchored, size);
      anchors.set(anchored.anchor, anchored);
    }
    return size;
  };
  measure(doc.contents, []);
}

/** Counts the work the variable resolver does, and refuses past the bounds above. */
export class ResolutionBudget {
  private nodes = 0;
  private text = 0;

  constructor(private readonly file: string) {}

  /**
   * One value copied or one variable resolved, at `path`; `reading` is the key whose variables are being
   * resolved (a `${self:…}` copies values from elsewhere), named as the place of the error when given.
   */
  node(path: KeyPath, reading?: string): void {
    this.nodes += 1;
    if (this.nodes > MAX_EXPANDED_NODES) {
      throw limitError(
        this.file,
        reading ?? path,
        `resolving variables expands the document to more than ${MAX_EXPANDED_NODES} values${reading ? ` (copying ${formatKeyPath(path)})` : ""}`,
      );
    }
    if (path.length > MAX_NESTING_DEPTH) {
      throw limitError(this.file, path, `values nest more than ${MAX_NESTING_DEPTH} levels deep`);
    }
  }

  /** `length` more characters of interpolated text, at `path`, while resolving `reading` (see node()). */
  textOf(length: number, path: KeyPath, reading?: string): void {
    this.text += length;
    if (this.text > MAX_RESOLVED_TEXT) {
      throw limitError(
        this.file,
        reading ?? path,
        `variables interpolate more than ${MAX_RESOLVED_TEXT} characters of text in all${reading ? ` (at ${formatKeyPath(path)})` : ""}`,
      );
    }
  }
}
