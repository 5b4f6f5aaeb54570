/**
 * Parser for Serverless Framework variables: `${source:address, fallback, …}` inside YAML string values.
 * It reproduces the rules of the Framework's own parser (lib/configuration/variables/parse.js, v3):
 * - a variable starts with a lowercase source type followed by `:` or `(…)`; anything else between `${` and `}`
 *   (`${AWS::Region}`, `${Table.Arn}`) is CloudFormation's `Fn::Sub` syntax and is left untouched;
 * - fallbacks are separated by commas and may be a quoted string ('…' taken as is, "…" JSON), a number,
 *   true/false/null, a nested variable, or a bare `source:address` (the legacy `${opt:stage, self:provider.stage}`);
 *   an unquoted word is an error, as in the Framework;
 * - addresses may contain nested variables: `${self:custom.${sls:stage}.memory}`.
 */
import type { ManifestErrorCode } from "./manifest-error.js";
import { MAX_VARIABLE_DEPTH } from "./manifest-limits.js";

export type TemplatePart = string | VariableExpression;

export interface VariableExpression {
  /** The variable as written, e.g. `${env:TABLE, 'coupons'}`. */
  readonly text: string;
  /** The reference first, then its fallbacks in order. */
  readonly sources: readonly VariableSource[];
}

export type VariableSource =
  | {
      readonly kind: "reference";
      readonly type: string;
      /** Text between parentheses, as in `${file(./config.yml):key}`. */
      readonly params: string | undefined;
      readonly address: readonly TemplatePart[];
    }
  | { readonly kind: "literal"; readonly value: string | number | boolean | null }
  | { readonly kind: "variable"; readonly variable: VariableExpression };

/** A problem with one variable; the resolver turns it into a ManifestError naming the file and key path. */
export class VariableProblem extends Error {
  constructor(
    message: string,
    readonly fix: string,
    /** A variable nested past MAX_VARIABLE_DEPTH is a limit, not a syntax mistake. */
    readonly limit = false,
    /** The code of the ManifestError it becomes; a source's own problems have their own. */
    readonly code: ManifestErrorCode = "LKN_ERR_MANIFEST_VARIABLE",
  ) {
    super(message);
  }
}

const VARIABLE_OPEN = "${";

/** Splits a string into literal text and variables; undefined when it holds no variable. */
export function parseTemplate(text: string): TemplatePart[] | undefined {
  if (!text.includes(VARIABLE_OPEN)) return undefined;
  const parts = new TemplateParser(text).template("");
  return parts.some((part) => typeof part !== "string") ? parts : undefined;
}

const SOURCE_TYPE = /[a-z][a-zA-Z0-9]*/y;
const CHECK_SYNTAX = `Check the variable syntax: \${source:address, 'default'}`;

class TemplateParser {
  private pos = 0;
  /** Variables open around the position: the parser recurses once per level. */
  private depth = 0;

  constructor(private readonly text: string) {}

  /** Literal text and variables up to one of `stops` (outside nested variables) or the end. */
  template(stops: string): TemplatePart[] {
    const parts: TemplatePart[] = [];
    let literal = "";
    while (this.pos < this.text.length && !stops.includes(this.text.charAt(this.pos))) {
      const variable = this.text.startsWith(VARIABLE_OPEN, this.pos) ? this.variable() : undefined;
      if (variable) {
        if (literal) parts.push(literal);
        literal = "";
        parts.push(variable);
      } else {
        literal += this.text.charAt(this.pos);
        this.pos += 1;
      }
    }
    if (literal) parts.push(literal);
    return parts;
  }

  /** At `${`: the variable, or undefined (position unchanged) when it is CloudFormation's syntax. */
  private variable(): VariableExpression | undefined {
    if (this.depth >= MAX_VARIABLE_DEPTH) {
      throw new VariableProblem(
        `variables nest more than ${MAX_VARIABLE_DEPTH} levels deep in one value`,
        "Write fewer variables inside one another",
        true,
      );
    }
    this.depth += 1;
    try {
      return this.variableAt(this.pos);
    } finally {
      this.depth -= 1;
    }
  }

  private variableAt(start: number): VariableExpression | undefined {
    SOURCE_TYPE.lastIndex = start + 2;
    const type = SOURCE_TYPE.exec(this.text)?.[0];
    if (type === undefined) return undefined;
    let next = SOURCE_TYPE.lastIndex;
    let params: string | undefined;
    if (this.text.charAt(next) === "(") {
      const close = this.text.indexOf(")", next);
      if (close < 0) throw this.unterminated(start);
      params = this.text.slice(next + 1, close);
      next = close + 1;
    } else if (this.text.charAt(next) !== ":" || this.text.charAt(next + 1) === ":") {
      return undefined;
    }
    this.pos = this.text.charAt(next) === ":" ? next + 1 : next;
    const sources: VariableSource[] = [
      { kind: "reference", type, params, address: trim(this.template("},")) },
    ];
    for (;;) {
      const char = this.text.charAt(this.pos);
      this.pos += 1;
      if (char === "}") return { text: this.text.slice(start, this.pos), sources };
      if (char !== ",") throw this.unterminated(start);
      sources.push(this.fallback(start));
      this.skipSpaces();
    }
  }

  private fallback(start: number): VariableSource {
    this.skipSpaces();
    const char = this.text.charAt(this.pos);
    if (this.text.startsWith(VARIABLE_OPEN, this.pos)) {
      const variable = this.variable();
      if (variable) return { kind: "variable", variable };
    }
    if (char === "'" || char === '"') return { kind: "literal", value: this.quoted(char, start) };
    let end = this.pos;
    while (end < this.text.length && !",}".includes(this.text.charAt(end))) end += 1;
    const token = this.text.slice(this.pos, end).trim();
    this.pos = end;
    const legacy = /^([a-z][a-zA-Z0-9]*):(.+)$/.exec(token);
    if (legacy?.[1] && legacy[2])
      return { kind: "reference", type: legacy[1], params: undefined, address: [legacy[2]] };
    if (token === "true" || token === "false") return { kind: "literal", value: token === "true" };
    if (token === "null") return { kind: "literal", value: null };
    if (token !== "" && !Number.isNaN(Number(token))) return { kind: "literal", value: Number(token) };
    throw new VariableProblem(
      `invalid default "${token}" in ${this.text.slice(start)}`,
      token === "" ? CHECK_SYNTAX : `Quote a text default, as the Serverless Framework requires: '${token}'`,
    );
  }

  /** A quoted default: '…' is taken as written, "…" is read as a JSON string (escapes allowed). */
  private quoted(quote: string, start: number): string {
    let end = this.pos + 1;
    while (end < this.text.length && this.text.charAt(end) !== quote)
      end += quote === '"' && this.text.charAt(end) === "\\" ? 2 : 1;
    if (end >= this.text.length) throw this.unterminated(start);
    const literal = this.text.slice(this.pos, end + 1);
    this.pos = end + 1;
    if (quote === "'") return literal.slice(1, -1);
    try {
      return JSON.parse(literal) as string;
    } catch {
      throw new VariableProblem(`invalid string ${literal} in ${this.text.slice(start)}`, CHECK_SYNTAX);
    }
  }

  private skipSpaces(): void {
    while (this.text.charAt(this.pos) === " ") this.pos += 1;
  }

  private unterminated(start: number): VariableProblem {
    return new VariableProblem(
      `unterminated variable ${this.text.slice(start)}`,
      `Close it with "}". ${CHECK_SYNTAX}`,
    );
  }
}

function trim(parts: TemplatePart[]): TemplatePart[] {
  const trimmed = [...parts];
  const first = trimmed[0];
  if (typeof first === "string") trimmed[0] = first.trimStart();
  const last = trimmed[trimmed.length - 1];
  if (typeof last === "string") trimmed[trimmed.length - 1] = last.trimEnd();
  return trimmed.filter((part) => part !== "");
}
