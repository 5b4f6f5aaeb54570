/**
 * A route's path as API Gateway reads it: literal segments, path variables `{id}` (one segment) and a greedy
 * variable `{proxy+}` (the rest of the path, one segment or more, last only). Matching a request path yields
 * the variables; `specificity` orders the templates that match the same path the way API Gateway chooses among
 * them — the most specific wins, segment by segment: a literal beats a variable, a variable beats a greedy
 * variable (REST: "api-gateway-set-up-simple-proxy"; HTTP API: "http-api-develop-routes", routing example
 * `GET /pets/dog/1` > `GET /pets/dog/{id}` > `GET /pets/{proxy+}` > `ANY /{proxy+}` > `$default`).
 */

export type Segment =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "variable"; readonly name: string }
  | { readonly kind: "greedy"; readonly name: string };

export interface PathTemplate {
  /** As API Gateway shows it in `resource` / the route key: `/users/{id}`. */
  readonly text: string;
  readonly segments: readonly Segment[];
  readonly isLiteral: boolean;
}

const VARIABLE = /^\{([A-Za-z0-9._-]+)(\+?)\}$/;

/** Parses `/users/{id}`; returns a problem description instead when the template is not one API Gateway accepts. */
export function parsePathTemplate(text: string): PathTemplate | string {
  if (!text.startsWith("/")) return "a path must start with /";
  const parts = text === "/" ? [] : text.slice(1).split("/");
  const segments: Segment[] = [];
  for (const [index, part] of parts.entries()) {
    const variable = VARIABLE.exec(part);
    if (variable) {
      const name = variable[1] as string;
      if (variable[2] !== "+") segments.push({ kind: "variable", name });
      else if (index === parts.length - 1) segments.push({ kind: "greedy", name });
      else return `the greedy path variable {${name}+} must be the last part of the path`;
    } else if (part.includes("{") || part.includes("}")) {
      return `"${part}" is not a path variable: write a whole segment as {name} or {name+}`;
    } else if (part === "" && index < parts.length - 1) {
      return "a path cannot contain an empty segment (//)";
    } else {
      segments.push({ kind: "literal", text: part });
    }
  }
  return { text, segments, isLiteral: segments.every((segment) => segment.kind === "literal") };
}

/**
 * The path variables when `pathSegments` (the request path split on "/", without the leading "") fits the
 * template, else undefined. Values are the segments as given (the caller decides about percent-decoding).
 */
export function matchPath(
  template: PathTemplate,
  pathSegments: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = Object.create(null);
  const { segments } = template;
  for (const [index, segment] of segments.entries()) {
    const part = pathSegments[index];
    if (part === undefined) return undefined;
    if (segment.kind === "greedy") {
      const rest = pathSegments.slice(index).join("/");
      if (rest === "") return undefined;
      params[segment.name] = rest;
      return params;
    }
    if (segment.kind === "literal") {
      if (part !== segment.text) return undefined;
    } else {
      if (part === "") return undefined;
      params[segment.name] = part;
    }
  }
  return pathSegments.length === segments.length ? params : undefined;
}

const RANK = { literal: 3, variable: 2, greedy: 1 } as const;

/** Positive when `a` is more specific than `b` (compared segment by segment, then the longer one). */
export function compareSpecificity(a: PathTemplate, b: PathTemplate): number {
  const length = Math.min(a.segments.length, b.segments.length);
  for (let index = 0; index < length; index++) {
    const difference = RANK[(a.segments[index] as Segment).kind] - RANK[(b.segments[index] as Segment).kind];
    if (difference !== 0) return difference;
  }
  return a.segments.length - b.segments.length;
}

/** Splits a request path (`/a/b`) into segments (`["a", "b"]`); `/` is no segments. */
export function pathSegments(path: string): string[] {
  return path === "/" || path === "" ? [] : path.slice(1).split("/");
}
