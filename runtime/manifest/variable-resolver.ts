/**
 * VariableResolver: resolves Serverless Framework variables in one serverless.yml, lazily, path by path.
 * Only the keys Lambkin reads are resolved (and whatever they reference), so an `${ssm:…}` under `iam:` or
 * `package:` does not stop a service from running locally, while one in a function's environment does.
 * - A string that is exactly one variable takes the variable's value and type (`timeout: ${env:T, 30}` → 30);
 *   variables inside a longer string are converted to text (`"x-${sls:stage}"`), as in the Framework.
 * - `${self:a.b}` reads the document, resolving what it finds there; cycles are reported, never followed.
 * - `${file(./config.yml):a.b}` reads another file (file-source.ts) and resolves the variables it holds in this
 *   document's context (`${self:…}` there is serverless.yml's), as the Framework does; key paths inside it read
 *   `file(./config.yml).a.b` in messages. `${ssm:…}` and `${cf:…}` read the local parameter file.
 * - A variable whose sources all lack a value, with no default, is an error, as in Framework v3
 *   ("Cannot resolve variable at …: Value not found at "env" source").
 * - Every value copied and every variable resolved counts against a budget (manifest-limits.ts): `${self:…}`
 *   copies of a large value, text that doubles with each variable or a long chain of variables are refused
 *   with a limit error at the key where they go over, instead of exhausting memory, time or stack.
 */
import { dirname } from "node:path";
import { type FileContent, fileSourcePath, readFileSource } from "./file-source.js";
import { LocalParameters } from "./local-parameters.js";
import { describeValue, formatKeyPath, type KeyPath, ManifestError } from "./manifest-error.js";
import { limitError, MAX_VARIABLE_DEPTH, ResolutionBudget } from "./manifest-limits.js";
import { lookUpSource, notFound, type SourceContext } from "./variable-sources.js";
import {
  parseTemplate,
  type TemplatePart,
  type VariableExpression,
  VariableProblem,
} from "./variable-syntax.js";

export interface ResolverOptions {
  readonly stage?: string | undefined;
  readonly region?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/** The Framework's service defaults; `${self:provider.stage}` sees them when the file sets none (serverless#7990). */
const PROVIDER_DEFAULTS = { stage: "dev", region: "us-east-1" } as const;

export class VariableResolver {
  /** Key paths of the strings being resolved, outermost first: a repeat is a cycle. */
  private readonly inProgress: string[] = [];
  private readonly resolved = new Map<string, unknown>();
  private readonly sources: SourceContext;
  private readonly budget: ResolutionBudget;
  private readonly serviceDir: string;
  /** `${file(…)}` contents by what was written and the address (a `.js` file's value depends on it). */
  private readonly files = new Map<string, FileContent | null>();
  /**
   * Every file besides serverless.yml that the values read so far depend on, present or not (`${file(…)}`s, the
   * parameter file, the `.env` file): what a watcher must watch to reload the service when one changes.
   */
  readonly configurationFiles = new Set<string>();

  constructor(
    readonly file: string,
    private readonly document: Record<string, unknown>,
    private readonly options: ResolverOptions,
  ) {
    const { env, stage, region } = options;
    this.budget = new ResolutionBudget(file);
    this.serviceDir = dirname(file);
    this.sources = {
      env,
      parameters: new LocalParameters(this.serviceDir, (file) => this.configurationFiles.add(file)),
      options: { stage, region },
      stage: () => this.stage(),
      region: () => this.region(),
    };
  }

  /** The fully resolved value at `path`, or undefined when the document has nothing there. */
  get(path: KeyPath): unknown {
    return this.deep(this.walk(path), path);
  }

  /** The value at `path` with only the node itself resolved: its children are left as written. */
  shallow(path: KeyPath): unknown {
    return this.walk(path);
  }

  /** The value at `path` exactly as written (only the nodes above it resolved), to test whether a key is set. */
  written(path: KeyPath): unknown {
    const parent = path.length === 0 ? undefined : this.walk(path.slice(0, -1));
    return path.length === 0 ? this.document : childOf(parent, path[path.length - 1] as string | number);
  }

  /** The stage the service runs as: `--stage` overrides `provider.stage`, which defaults to `dev`. */
  stage(): string {
    return this.options.stage || this.providerSetting("stage");
  }

  /** The region the service runs in: `--region` overrides `provider.region`, which defaults to `us-east-1`. */
  region(): string {
    return this.options.region || this.providerSetting("region");
  }

  private providerSetting(name: keyof typeof PROVIDER_DEFAULTS): string {
    const value = this.get(["provider", name]);
    if (value === undefined || value === null) return PROVIDER_DEFAULTS[name];
    if (typeof value === "string" && value !== "") return value;
    throw new ManifestError(
      this.file,
      ["provider", name],
      `must be a non-empty string, not ${describeValue(value)}`,
      `Write e.g. ${name}: ${PROVIDER_DEFAULTS[name]}`,
    );
  }

  private walk(path: KeyPath): unknown {
    let node: unknown = this.document;
    for (let index = 0; index < path.length && node !== undefined; index += 1) {
      node = childOf(node, path[index] as string | number);
      if (typeof node === "string") node = this.string(node, path.slice(0, index + 1));
    }
    return node;
  }

  private deep(node: unknown, path: KeyPath): unknown {
    this.budget.node(path, this.inProgress[0]);
    if (typeof node === "string") return this.string(node, path);
    if (Array.isArray(node)) return node.map((item, index) => this.deep(item, [...path, index]));
    if (isMapping(node))
      return Object.fromEntries(
        Object.entries(node).map(([key, value]) => [key, this.deep(value, [...path, key])]),
      );
    return node;
  }

  private string(text: string, path: KeyPath): unknown {
    const parts = this.explain(path, () => parseTemplate(text));
    if (!parts) return text;
    const key = formatKeyPath(path);
    if (this.resolved.has(key)) return this.resolved.get(key);
    const cycleStart = this.inProgress.indexOf(key);
    if (cycleStart >= 0) {
      const cycle = [...this.inProgress.slice(cycleStart), key].join(" → ");
      throw new ManifestError(
        this.file,
        path,
        `variables refer to each other in a cycle: ${cycle}`,
        "Make one of them a plain value",
        "LKN_ERR_MANIFEST_VARIABLE",
      );
    }
    if (this.inProgress.length >= MAX_VARIABLE_DEPTH) {
      throw limitError(
        this.file,
        this.inProgress[0] ?? path,
        `variables resolve through more than ${MAX_VARIABLE_DEPTH} others (${this.inProgress[0]} → … → ${key})`,
      );
    }
    this.budget.node(path);
    this.inProgress.push(key);
    try {
      const [only] = parts;
      const value =
        parts.length === 1 && typeof only === "object"
          ? this.variable(only, path)
          : this.interpolate(parts, path);
      this.resolved.set(key, value);
      return value;
    } finally {
      this.inProgress.pop();
    }
  }

  private interpolate(parts: readonly TemplatePart[], path: KeyPath): string {
    let text = "";
    for (const part of parts) {
      if (typeof part === "string") {
        text += part;
        continue;
      }
      const value = this.variable(part, path);
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        throw new ManifestError(
          this.file,
          path,
          `${part.text} resolves to ${describeValue(value)}, which cannot be placed inside a string`,
          "Reference a single string or number here, or make the variable the whole value",
          "LKN_ERR_MANIFEST_VARIABLE",
        );
      }
      this.budget.textOf(part.text.length + String(value).length, path, this.inProgress[0]);
      text += String(value);
    }
    return text;
  }

  private variable(expression: VariableExpression, path: KeyPath): unknown {
    const lookup = this.firstValue(expression, path);
    if ("value" in lookup) return lookup.value;
    const { type, address, file, absent } = lookup.missing;
    const { fix, code, detail } = this.explain(path, () =>
      notFound(
        type,
        address,
        this.sources,
        file === undefined ? undefined : { file, absent: absent === true },
      ),
    );
    throw new ManifestError(
      this.file,
      path,
      `${expression.text}: value not found at "${type}" source${detail ? ` (${detail})` : ""}`,
      fix,
      code,
    );
  }

  /** The first source with a value wins; a literal default (even `null`) always has one. */
  private firstValue(expression: VariableExpression, path: KeyPath): Lookup {
    let missing: Missing | undefined;
    for (const source of expression.sources) {
      if (source.kind === "literal") return { value: source.value };
      if (source.kind === "variable") {
        const nested = this.firstValue(source.variable, path);
        if ("value" in nested) return nested;
        missing ??= nested.missing;
        continue;
      }
      const address = this.interpolate(source.address, path);
      if (source.type === "file") {
        const found = this.fileValue(source.params ?? "", address, path);
        if (found.value !== null && found.value !== undefined) return { value: found.value };
        missing ??= { type: "file", address, file: found.file, absent: found.absent === true };
        continue;
      }
      const value =
        source.type === "self"
          ? this.self(address)
          : source.type === "param"
            ? this.param(address, path)
            : this.explain(path, () => lookUpSource(source.type, source.params, address, this.sources));
      if (value !== null && value !== undefined) return { value };
      missing ??= { type: source.type, address };
    }
    return { missing: missing ?? { type: "self", address: "" } };
  }

  /** `${file(written):address}`, its own variables resolved; `absent` when the file does not exist. */
  private fileValue(
    written: string,
    address: string,
    path: KeyPath,
  ): { value: unknown; file: string; absent?: boolean } {
    // The path may hold variables: `${file(./config.${sls:stage}.yml)}`.
    const parts = this.explain(path, () => parseTemplate(written));
    const resolvedPath = parts ? this.interpolate(parts, path) : written;
    // Named even when missing: creating it changes the service.
    this.configurationFiles.add(this.explain(path, () => fileSourcePath(this.serviceDir, resolvedPath)));
    const key = `${resolvedPath}\u0000${address}`;
    if (!this.files.has(key))
      this.files.set(
        key,
        this.explain(path, () =>
          readFileSource(this.serviceDir, resolvedPath, address, () => ({
            stage: this.stage(),
            region: this.region(),
            env: this.options.env,
          })),
        ),
      );
    const content = this.files.get(key);
    if (!content) return { value: null, file: fileSourcePath(this.serviceDir, resolvedPath), absent: true };
    const base: (string | number)[] = [`file(${resolvedPath})`];
    let node = content.value;
    if (content.kind === "document") {
      for (const segment of address === "" ? [] : address.split(".")) {
        node = childOf(node, segment);
        base.push(segment);
        if (typeof node === "string") node = this.string(node, [...base]);
        if (node === undefined) break;
      }
    }
    return { value: this.deep(node, base) ?? null, file: content.file };
  }

  /**
   * `${param:name}`: the Framework v3's stage parameters, `params.<stage>.name`, else `params.default.name`
   * (https://www.serverless.com/framework/docs/guides/parameters); the Dashboard's and CLI's (`--param`) are not
   * Lambkin's to read, so a name in neither has no value.
   */
  private param(address: string, path: KeyPath): unknown {
    if (address === "")
      throw new ManifestError(
        this.file,
        path,
        `\${param:} names no parameter`,
        `Write e.g. \${param:domain}`,
        "LKN_ERR_MANIFEST_VARIABLE",
      );
    const own = this.get(["params", this.stage(), address]);
    if (own !== undefined && own !== null) return own;
    return this.get(["params", "default", address]) ?? null;
  }

  private self(address: string): unknown {
    const value = this.get(address === "" ? [] : address.split("."));
    if (value !== undefined && value !== null) return value;
    if (address === "provider.stage" || address === "provider.region")
      return PROVIDER_DEFAULTS[address === "provider.stage" ? "stage" : "region"];
    return null;
  }

  private explain<T>(path: KeyPath, action: () => T): T {
    try {
      return action();
    } catch (error) {
      if (error instanceof VariableProblem && error.limit) throw limitError(this.file, path, error.message);
      if (error instanceof VariableProblem)
        throw new ManifestError(this.file, path, error.message, error.fix, error.code);
      throw error;
    }
  }
}

interface Missing {
  readonly type: string;
  readonly address: string;
  /** For `${file(…)}`: the file named, and whether it is missing. */
  readonly file?: string | undefined;
  readonly absent?: boolean;
}
type Lookup = { readonly value: unknown } | { readonly missing: Missing };

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function childOf(node: unknown, segment: string | number): unknown {
  if (Array.isArray(node)) {
    const index =
      typeof segment === "number" ? segment : /^\d+$/.test(segment) ? Number(segment) : Number.NaN;
    return Number.isInteger(index) ? node[index] : undefined;
  }
  if (isMapping(node) && Object.hasOwn(node, segment)) return node[segment];
  return undefined;
}
