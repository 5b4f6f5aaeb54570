/**
 * ListFunctions paging (API_ListFunctions): functions in name order, at most `MaxItems` (1–10,000) and never more
 * than 50 per page, `NextMarker` only when more follow. The marker is opaque to callers (as AWS's is); Lambkin's
 * is the base64url of the last name returned, so a page boundary survives functions being added or removed.
 * `FunctionVersion` may only be `ALL` (every function has just `$LATEST` here); `MasterRegion` selects Lambda@Edge
 * replicas, of which Lambkin has none.
 */
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import { validationError, violation } from "./api-error.js";

const PAGE_LIMIT = 50;
const MAX_ITEMS_LIMIT = 10_000;

export interface ListFunctionsQuery {
  readonly marker?: string;
  readonly maxItems?: string;
  readonly functionVersion?: string;
  readonly masterRegion?: string;
}

export interface FunctionPage {
  readonly functions: readonly FunctionDefinition[];
  readonly nextMarker?: string;
}

export function listFunctionsPage(
  all: readonly FunctionDefinition[],
  query: ListFunctionsQuery,
): FunctionPage {
  const size = pageSize(query.maxItems);
  checkFunctionVersion(query.functionVersion);
  if (query.masterRegion !== undefined) return { functions: [] };
  const after =
    query.marker === undefined ? undefined : Buffer.from(query.marker, "base64url").toString("utf8");
  const sorted = [...all].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const remaining = after === undefined ? sorted : sorted.filter((fn) => fn.name > after);
  const functions = remaining.slice(0, size);
  const last = functions.at(-1);
  if (remaining.length <= size || !last) return { functions };
  return { functions, nextMarker: Buffer.from(last.name, "utf8").toString("base64url") };
}

function pageSize(maxItems: string | undefined): number {
  if (maxItems === undefined) return PAGE_LIMIT;
  const value = Number(maxItems);
  const at = (constraint: string) => validationError([violation(maxItems, "maxItems", constraint)]);
  if (!Number.isInteger(value) || value < 1) throw at("Member must have value greater than or equal to 1");
  if (value > MAX_ITEMS_LIMIT) throw at(`Member must have value less than or equal to ${MAX_ITEMS_LIMIT}`);
  return Math.min(value, PAGE_LIMIT);
}

function checkFunctionVersion(functionVersion: string | undefined): void {
  if (functionVersion === undefined || functionVersion === "ALL") return;
  throw validationError([
    violation(functionVersion, "functionVersion", "Member must satisfy enum value set: [ALL]"),
  ]);
}
