/**
 * What a stream batch's response means (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html):
 * success, the whole batch failed, or failed from the lowest sequence number reported; hostile responses included.
 */
import { describe, expect, it } from "vitest";
import { batchVerdict } from "../../../triggers/streams/batch-response.js";

const SEQUENCE = ["100", "200", "300", "400"];
const answer = (payload: unknown, functionError?: "Unhandled") => ({
  payload: Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)),
  ...(functionError ? { functionError } : {}),
});
const verdict = (payload: unknown, report = true, functionError?: "Unhandled") =>
  batchVerdict(answer(payload, functionError), SEQUENCE, report);

describe("a stream batch's verdict", () => {
  it("fails the whole batch on a function error, whatever it returned", () => {
    expect(verdict({ batchItemFailures: [] }, true, "Unhandled").kind).toBe("failure");
    expect(verdict("null", false, "Unhandled").kind).toBe("failure");
  });

  it("without ReportBatchItemFailures, anything else is a success", () => {
    expect(verdict({ batchItemFailures: [{ itemIdentifier: "300" }] }, false)).toEqual({ kind: "success" });
    expect(verdict("not json", false)).toEqual({ kind: "success" });
  });

  it("takes a null or empty response, a null or empty list, or none, as a complete success", () => {
    for (const payload of ["", "null", {}, { batchItemFailures: null }, { batchItemFailures: [] }])
      expect(verdict(payload), JSON.stringify(payload)).toEqual({ kind: "success" });
  });

  it("retries from the lowest sequence number reported", () => {
    expect(verdict({ batchItemFailures: [{ itemIdentifier: "400" }, { itemIdentifier: "200" }] })).toEqual({
      kind: "partial",
      firstFailedIndex: 1,
    });
    expect(verdict({ batchItemFailures: [{ itemIdentifier: "100" }] })).toEqual({
      kind: "partial",
      firstFailedIndex: 0,
    });
  });

  it("fails the whole batch for an empty, null, missing or unknown identifier, or a response that is not an object", () => {
    for (const payload of [
      { batchItemFailures: [{ itemIdentifier: "" }] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [{ itemIdentifer: "200" }] },
      { batchItemFailures: [{ itemIdentifier: "999" }] },
      { batchItemFailures: [{ itemIdentifier: 200 }] },
      { batchItemFailures: ["200"] },
      { batchItemFailures: [null] },
      { batchItemFailures: "200" },
      "not json",
      '"a string"',
      "[1,2]",
      "42",
    ])
      expect(verdict(payload).kind, JSON.stringify(payload)).toBe("failure");
  });

  it("bounds the work on a huge failure list", () => {
    const huge = { batchItemFailures: Array.from({ length: 20_000 }, () => ({ itemIdentifier: "200" })) };
    expect(verdict(huge).kind).toBe("failure");
  });
});
