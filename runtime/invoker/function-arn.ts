/** ARNs as Lambkin's single local account reports them (`000000000000`, as issue #3 and LocalStack use). */
import type { FunctionDefinition } from "../manifest/function-definition.js";

export const ACCOUNT_ID = "000000000000";

export function functionArn(fn: Pick<FunctionDefinition, "region" | "name">, qualifier?: string): string {
  const base = `arn:aws:lambda:${fn.region}:${ACCOUNT_ID}:function:${fn.name}`;
  return qualifier ? `${base}:${qualifier}` : base;
}
