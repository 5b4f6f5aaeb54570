/**
 * Parses the ways Lambda's Invoke API lets a caller name a function (API_Invoke, FunctionName):
 * `my-function`, `my-function:$LATEST`, `123456789012:function:my-function[:qualifier]` and
 * `arn:aws:lambda:us-east-1:123456789012:function:my-function[:qualifier]`.
 */

export interface FunctionReference {
  /** The Lambda name, or whatever stands in its place (a bare `functions:` key). */
  readonly name: string;
  /** `$LATEST`, a version number or an alias, when given. */
  readonly qualifier?: string;
  /** Whether the reference was a bare name (possibly qualified), rather than an ARN or partial ARN. */
  readonly bare: boolean;
  readonly region?: string;
  readonly account?: string;
}

const NAME = "([A-Za-z0-9_-]{1,64})";
const QUALIFIER = "(?::(\\$LATEST|[A-Za-z0-9_-]+))?";
const FULL_ARN = new RegExp(`^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\\d{12}):function:${NAME}${QUALIFIER}$`);
const PARTIAL_ARN = new RegExp(`^(\\d{12}):function:${NAME}${QUALIFIER}$`);
const BARE = new RegExp(`^${NAME}${QUALIFIER}$`);

/** undefined when the text is no valid way of naming a function. */
export function parseFunctionReference(reference: string): FunctionReference | undefined {
  const full = FULL_ARN.exec(reference);
  if (full)
    return withQualifier(
      { name: full[3] as string, bare: false, region: full[1] as string, account: full[2] as string },
      full[4],
    );
  const partial = PARTIAL_ARN.exec(reference);
  if (partial)
    return withQualifier(
      { name: partial[2] as string, bare: false, account: partial[1] as string },
      partial[3],
    );
  const bare = BARE.exec(reference);
  if (bare) return withQualifier({ name: bare[1] as string, bare: true }, bare[2]);
  return undefined;
}

function withQualifier(reference: FunctionReference, qualifier: string | undefined): FunctionReference {
  return qualifier === undefined ? reference : { ...reference, qualifier };
}
