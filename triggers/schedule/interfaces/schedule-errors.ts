/** The typed error of the ScheduleRunner port, with its code from runtime/errors/lambkin-codes.ts. */
import { coded } from "../../../runtime/errors/lambkin-codes.js";

/** The runner cannot declare its rules now (Redis unreachable or not answering, the runner closed). */
export class ScheduleUnavailableError extends Error {
  override readonly name = "ScheduleUnavailableError";
  readonly code = "LKN_ERR_SCHEDULE_UNAVAILABLE";

  constructor(message: string, options?: ErrorOptions) {
    super(coded("LKN_ERR_SCHEDULE_UNAVAILABLE", message), options);
  }
}
