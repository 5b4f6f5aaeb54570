/**
 * `lambkin events` over HTTP: the `/_lambkin/events` API of a running Lambkin (`--endpoint URL`, or `lambkin dev`
 * on this machine when its state folder is locked), through the signed client of Lambkin's API
 * (cli/lambkin-api-client.ts).
 */
import type { DeadLetterView, ListFilter } from "../../triggers/queue/dead-letter-view.js";
import { lambkinApiClient } from "../lambkin-api-client.js";
import type { EventsClient, Redriven } from "./events-client.js";

export { LambkinRemoteError } from "../lambkin-api-client.js";

export function httpEventsClient(endpoint: string, env: NodeJS.ProcessEnv = process.env): EventsClient {
  const api = lambkinApiClient(endpoint, env);
  const call = <T>(method: string, path: string, query: Record<string, string> = {}) =>
    api.call<T>(method, `/events${path}`, query);
  const idPath = (id: string) => `/${encodeURIComponent(id)}`;
  return {
    where: api.where,
    live: true,
    list: (filter: ListFilter) =>
      call<DeadLetterView[]>("GET", "", {
        ...(filter.limit === undefined ? {} : { limit: String(filter.limit) }),
        ...(filter.functionName === undefined ? {} : { function: filter.functionName }),
      }),
    show: (id) => call<DeadLetterView>("GET", idPath(id)),
    redrive: (id) => call<Redriven>("POST", `${idPath(id)}/redrive`),
    purge: (id) => call<{ purged: number }>("DELETE", id === undefined ? "" : idPath(id)),
    close: async () => {},
  };
}
