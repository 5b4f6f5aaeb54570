/**
 * FunctionRegistry: finds a loaded function from the reference a caller gives (a Lambda name, an ARN, a partial
 * ARN, `name:$LATEST`) or, for convenience on a laptop, its bare `functions:` key when exactly one service has
 * that key. Lambkin has one account and only `$LATEST`: the account and region in an ARN are not checked (clients
 * may be configured with their real ones), while any other qualifier names a version that does not exist.
 *
 * `lambkin dev` reloads services while it runs (cli/dev/): replace() swaps the whole set of functions at once —
 * one assignment of a new index, so a lookup sees the old set or the new one, never a mixture — and tells the
 * listeners. Whoever holds the registry (invoker, gateway, triggers) reads the current set on every lookup.
 */
import type { FunctionDefinition } from "./function-definition.js";
import { parseFunctionReference } from "./function-reference.js";

interface RegistryIndex {
  readonly functions: readonly FunctionDefinition[];
  readonly byName: ReadonlyMap<string, FunctionDefinition>;
  readonly byKey: ReadonlyMap<string, FunctionDefinition[]>;
}

export type RegistryListener = (functions: readonly FunctionDefinition[]) => void;

export class FunctionRegistry {
  private index: RegistryIndex;
  private readonly listeners = new Set<RegistryListener>();

  constructor(functions: readonly FunctionDefinition[]) {
    this.index = indexOf(functions);
  }

  all(): readonly FunctionDefinition[] {
    return this.index.functions;
  }

  /** Swaps in a new set of functions (a reload), then tells every listener. */
  replace(functions: readonly FunctionDefinition[]): void {
    this.index = indexOf(functions);
    for (const listener of this.listeners) listener(this.index.functions);
  }

  /** Called after every replace(); returns the function that stops it. */
  onChange(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The function the reference names, or undefined (unknown, malformed, ambiguous key, or not `$LATEST`). */
  resolve(reference: string): FunctionDefinition | undefined {
    const parsed = parseFunctionReference(reference);
    if (!parsed || (parsed.qualifier !== undefined && parsed.qualifier !== "$LATEST")) return undefined;
    const { byName, byKey } = this.index;
    const named = byName.get(parsed.name);
    if (named || !parsed.bare) return named;
    const keyed = byKey.get(parsed.name) ?? [];
    return keyed.length === 1 ? keyed[0] : undefined;
  }

  /** The Lambda names a bare key could mean when several services share it; empty when it is not ambiguous. */
  ambiguity(reference: string): string[] {
    const parsed = parseFunctionReference(reference);
    const { byName, byKey } = this.index;
    if (!parsed?.bare || byName.has(parsed.name)) return [];
    const keyed = byKey.get(parsed.name) ?? [];
    return keyed.length > 1 ? keyed.map((fn) => fn.name) : [];
  }
}

function indexOf(functions: readonly FunctionDefinition[]): RegistryIndex {
  const byName = new Map<string, FunctionDefinition>();
  const byKey = new Map<string, FunctionDefinition[]>();
  for (const fn of functions) {
    byName.set(fn.name, fn);
    byKey.set(fn.key, [...(byKey.get(fn.key) ?? []), fn]);
  }
  return { functions: [...functions], byName, byKey };
}
