/**
 * The route table the gateway serves, swappable while it runs: `lambkin dev` builds the table of a reloaded set of
 * services first (building is where a bad route is refused) and then swaps it in with one assignment, in the
 * same tick as the registry's swap, so a request is routed by the old table or the new one, never a mixture.
 * Every reader (the catch-all route's dispatcher, the front door's answers, the static site's check) reads
 * `table` per request. The fastify routes themselves never change: API Gateway's routes all sit behind one
 * catch-all (api-gateway-plugin.ts).
 */
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import type { ManifestWarning } from "../../runtime/manifest/manifest-error.js";
import { type BuiltRoutes, buildRouteTable } from "./build-route-table.js";
import type { RouteTable } from "./route-table.js";

export class LiveRouteTable implements BuiltRoutes {
  private built: BuiltRoutes;

  constructor(initial: BuiltRoutes) {
    this.built = initial;
  }

  static async of(functions: readonly FunctionDefinition[]): Promise<LiveRouteTable> {
    return new LiveRouteTable(await buildRouteTable(functions));
  }

  get table(): RouteTable {
    return this.built.table;
  }

  get warnings(): ManifestWarning[] {
    return this.built.warnings;
  }

  swap(next: BuiltRoutes): void {
    this.built = next;
  }
}
