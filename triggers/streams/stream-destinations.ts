/**
 * The onFailure sink of the stream pollers over the asynchronous destinations port (triggers/async/destinations.ts):
 * a function target is invoked asynchronously with the record as its event; queue and topic targets are delivered
 * by that port's adapters (they refuse with DestinationUnavailableError until a kind is served, and the poller
 * reports it: LKN_WRN_STREAM_ONFAILURE_UNDELIVERED).
 */
import type { DestinationRecord } from "../async/destination-record.js";
import type { Destinations } from "../async/destinations.js";
import type { FailureSink } from "./batch-delivery.js";

export function destinationFailureSink(destinations: Destinations): FailureSink {
  return async (mapping, record) => {
    const target = mapping.settings.onFailure;
    if (!target) return;
    // The port carries asynchronous invocation records; a stream's record is delivered the same way, as JSON.
    await destinations.deliverRecord(mapping.function, target, record as unknown as DestinationRecord);
  };
}
