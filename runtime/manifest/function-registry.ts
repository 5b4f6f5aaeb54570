/**
 * FunctionRegistry: finds a loaded function from the reference a caller gives (a Lambda name, an ARN, a partial
 * ARN, `name:$LATEST`) or, for convenience on a laptop, its bare `functions:` key when exactly one service has
 * that key. Lambkin has one account and only `$LATEST`: the account and region in an ARN are not checked (clients
 * may be configured with their real ones), while any other qualifier names a version that does not exist.
 */
import type { FunctionDefinition } from "./function-definition.js";
import { parseFunctionReference } from "./function-reference.js";

export class FunctionRegistry {
  private readonly functions: readonly FunctionDefinition[];
  private readonly byName = new Map<string, FunctionDefinition>();
  private readonly byKey = new Map<string, FunctionDefinition[]>();

  constructor(functions: readonly FunctionDefinition[]) {
    this.functions = [...functions];
    for (const fn of this.functions) {
      this.byName.set(fn.name, fn);
      this.byKey.set(fn.key, [...(this.byKey.get(fn.key) ?? []), fn]);
    }
  }

  all(): readonly FunctionDefinition[] {
    return this.functions;
  }

  /** The function the reference names, or undefined (unknown, malformed, ambiguous key, or not `$LATEST`). */
  resolve(reference: string): FunctionDefinition | undefined {
    const parsed = parseFunctionReference(reference);
    if (!parsed || (parsed.qualifier !== undefined && parsed.qualifier !== "$LATEST")) return undefined;
    const named = this.byName.get(parsed.name);
    if (named || !parsed.bare) return named;
    const keyed = this.byKey.get(parsed.name) ?? [];
    return keyed.length === 1 ? keyed[0] : undefined;
  }

  /** The Lambda names a bare key could mean when several services share it; empty when it is not ambiguous. */
  ambiguity(reference: string): string[] {
    const parsed = parseFunctionReference(reference);
    if (!parsed?.bare || this.byName.has(parsed.name)) return [];
    const keyed = this.byKey.get(parsed.name) ?? [];
    return keyed.length > 1 ? keyed.map((fn) => fn.name) : [];
  }
}
