// The sync channel's messages: a result crosses exactly (payload bytes, a log tail cut inside a UTF-8 character),
// a worker's refusal comes back as the same ServiceError, and hostile messages are refused with a reason.
import { describe, expect, it } from "vitest";
import { ServiceError, throttled } from "../../../runtime/errors/service-errors.js";
import type { InvokeResult } from "../../../runtime/invoker/invoker.js";
import { LogTail } from "../../../runtime/logs/log-tail.js";
import {
  encodeError,
  encodeRequest,
  encodeResult,
  parseReply,
  parseRequest,
  requestOf,
} from "../../../triggers/cluster/interfaces/sync-envelope.js";

const PREFIX = "lambkin:sync:replies:";

describe("sync envelopes", () => {
  it("carry a request and its payload bytes exactly", () => {
    const payload = Buffer.from('{"text":"h\\u00e9llo 🐑"}');
    const request = {
      functionName: "svc-dev-fn",
      payload,
      invocationType: "RequestResponse" as const,
      requestId: "r-1",
      traceId: "Root=1-abc",
      clientContext: "e30=",
      attempt: 1,
      source: "invoke-api",
    };
    const parsed = parseRequest(
      encodeRequest(request, { id: "c-1", replyTo: `${PREFIX}g`, deadline: 1e12 }),
      PREFIX,
    );
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(requestOf(parsed.value)).toEqual(request);
  });

  it("carry a result's payload and a log tail cut inside a UTF-8 character exactly", () => {
    const tail = new LogTail();
    tail.append("x".repeat(4095 - 1) + "é".repeat(10)); // the 4 KB window starts inside an "é"
    const result: InvokeResult = {
      requestId: "r-1",
      functionName: "svc-dev-fn",
      executedVersion: "$LATEST",
      payload: Buffer.from([0x22, 0xe2, 0x80, 0xa8, 0x22]),
      functionError: "Unhandled",
      status: "error",
      errorType: "Custom",
      durationMs: 1.5,
      maxMemoryUsedMB: 40,
      logTail: tail,
    };
    const parsed = parseReply(encodeResult("c-1", result));
    if (!parsed.ok || !("result" in parsed.value)) throw new Error("not a result");
    const back = parsed.value.result;
    expect(back.payload.equals(result.payload)).toBe(true);
    expect(back.logTail.base64()).toBe(tail.base64());
    expect(back).toMatchObject({ functionError: "Unhandled", status: "error", errorType: "Custom" });
  });

  it("bring back a throttle as the same ServiceError, and anything else as a ServiceException", () => {
    const parsed = parseReply(
      encodeError("c-1", throttled("ReservedFunctionConcurrentInvocationLimitExceeded")),
    );
    if (!parsed.ok || !("error" in parsed.value)) throw new Error("not an error");
    expect(parsed.value.error).toBeInstanceOf(ServiceError);
    expect(parsed.value.error.toBody()).toEqual(
      throttled("ReservedFunctionConcurrentInvocationLimitExceeded").toBody(),
    );
    const internal = parseReply(encodeError("c-2", new Error("secret detail")));
    if (!internal.ok || !("error" in internal.value)) throw new Error("not an error");
    expect(internal.value.error.errorName).toBe("ServiceException");
    expect(internal.value.error.message).not.toContain("secret detail");
  });

  it("refuse hostile requests with a reason, keeping whom to tell when it can be read", () => {
    const valid = JSON.parse(
      encodeRequest(
        {
          functionName: "f",
          payload: Buffer.from("{}"),
          invocationType: "RequestResponse",
          requestId: "r",
          traceId: "",
          attempt: 1,
          source: "s",
        },
        { id: "c", replyTo: `${PREFIX}g`, deadline: 1e12 },
      ),
    );
    const cases: [unknown, string][] = [
      ["{ not json", "not JSON"],
      [[1], "not a JSON object"],
      [{ ...valid, v: 2 }, "version 2"],
      [{ ...valid, extra: 1 }, "unknown field(s) extra"],
      [{ ...valid, replyTo: "elsewhere" }, "replyTo must be a channel"],
      [{ ...valid, payload: "not base64!" }, "payload must be base64"],
      [{ ...valid, payload: "A".repeat(8_400_000) }, "over Lambda's 6291456"],
      [{ ...valid, deadline: "soon" }, "deadline"],
      [{ ...valid, qualifier: "7" }, "qualifier"],
    ];
    for (const [message, reason] of cases) {
      const parsed = parseRequest(typeof message === "string" ? message : JSON.stringify(message), PREFIX);
      expect(parsed.ok, reason).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toContain(reason);
    }
    const badVersion = parseRequest(JSON.stringify({ ...valid, v: 2 }), PREFIX);
    expect(badVersion).toMatchObject({ ok: false, id: "c", replyTo: `${PREFIX}g` });
  });

  it("refuse hostile replies", () => {
    for (const reply of [
      "[]",
      '{"v":1,"id":"c"}',
      '{"v":1,"id":"c","error":{"name":"Boom","message":"x"}}',
    ]) {
      expect(parseReply(reply).ok).toBe(false);
    }
  });
});
