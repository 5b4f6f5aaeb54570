/** Function ARNs as Lambkin's single local account reports them (account 000000000000). */
import type { FunctionDefinition } from "../manifest/function-definition.js";
import { LOCAL_ACCOUNT_ID } from "../manifest/local-account.js";

export function functionArn(fn: Pick<FunctionDefinition, "region" | "name">, qualifier?: string): string {
  const base = `arn:aws:lambda:${fn.region}:${LOCAL_ACCOUNT_ID}:function:${fn.name}`;
  return qualifier ? `${base}:${qualifier}` : base;
}
