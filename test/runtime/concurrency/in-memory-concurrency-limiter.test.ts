// The in-memory ConcurrencyLimiter (one process) against the port's conformance suite.
import { InMemoryConcurrencyLimiter } from "../../../runtime/concurrency/in-memory-concurrency-limiter.js";
import { describeConcurrencyLimiter } from "./concurrency-limiter.conformance.js";

// In memory, the store is the limiter itself: every limiter of a test is its own.
describeConcurrencyLimiter(
  "in memory",
  async () =>
    async ({ accountLimit, functions }) =>
      new InMemoryConcurrencyLimiter(accountLimit, functions),
);
