/**
 * One stream event source mapping as the poller runs it: the function, the stream it reads (a StreamSource), and
 * the settings of its `stream` event (runtime/manifest/stream-event-settings.ts and the kind's own).
 */
import type { FilterCriteria } from "../../runtime/event-filtering/index.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import type { StreamMappingSettings } from "../../runtime/manifest/stream-event-settings.js";
import type { StreamSource, StreamStartingPosition } from "./interfaces/stream-source.js";

export interface StreamMapping<R = unknown> {
  /** Names the mapping's checkpoints: stable across restarts (mappingIdOf). */
  readonly id: string;
  readonly function: FunctionDefinition;
  readonly source: StreamSource<R>;
  readonly batchSize: number;
  readonly startingPosition: StreamStartingPosition;
  readonly settings: StreamMappingSettings;
  readonly filter: FilterCriteria;
  /** Where it is declared: `functions.<key>.events[<i>].stream`, for reports. */
  readonly keyPath: string;
}

/**
 * The function and the stream's real ARN: the same mapping after a restart, and a new one (new checkpoints) when
 * the stream is a new one — a table deleted and created again has a stream with another label.
 */
export function mappingIdOf(fn: Pick<FunctionDefinition, "name">, streamArn: string): string {
  return `${fn.name}@${streamArn}`;
}
