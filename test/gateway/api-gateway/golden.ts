/** Loads a golden file of ./golden: the request to send and the event API Gateway builds from it. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface Golden {
  readonly request: {
    readonly method: string;
    readonly path: string;
    readonly headers: [string, string][];
    readonly body?: string;
  };
  readonly event: Record<string, unknown>;
}

export function golden(name: string): Golden {
  return JSON.parse(readFileSync(join(import.meta.dirname, "golden", `${name}.json`), "utf8")) as Golden;
}
