/**
 * Where a stage's state is (`.lambkin/`, `.lambkin/stages/<stage>/`, or the folder chosen), under which Redis
 * prefix, and a stand-in's default port taken by another Lambkin (a real listening socket) moving to a free one.
 */
import { once } from "node:events";
import { createServer } from "node:net";
import { resolve } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { freeUnlessChosen } from "../../cli/stand-in-ports.js";
import { redisPrefixOf, stateFolder } from "../../cli/state-folder.js";

describe("the state folder of a stage", () => {
  it("is .lambkin without --stage and .lambkin/stages/<stage> with it", () => {
    expect(stateFolder(undefined, {})).toBe(resolve(".lambkin"));
    expect(stateFolder(undefined, {}, "prod")).toBe(resolve(".lambkin", "stages", "prod"));
  });

  it("is the chosen folder, as chosen, whatever the stage", () => {
    expect(stateFolder("/tmp/mine", {}, "prod")).toBe("/tmp/mine");
    expect(stateFolder(undefined, { LAMBKIN_STATE_DIR: "/tmp/env" }, "prod")).toBe("/tmp/env");
    expect(stateFolder(undefined, { LAMBKIN_STATE_DIR: "" }, "qa")).toBe(resolve(".lambkin", "stages", "qa"));
  });

  it("refuses a stage that would be a path", () => {
    for (const stage of ["..", "../etc", "a/b", "a b", "x".repeat(65)])
      expect(() => stateFolder(undefined, {}, stage)).toThrow(/--stage must be 1–64 letters/);
  });

  it("has its own Redis prefix unless LAMBKIN_REDIS_PREFIX chooses one", () => {
    expect(redisPrefixOf({})).toBe("lambkin");
    expect(redisPrefixOf({}, "prod")).toBe("lambkin:stage:prod");
    expect(redisPrefixOf({ LAMBKIN_REDIS_PREFIX: "team-a" }, "prod")).toBe("team-a");
  });
});

describe("a stand-in's default port taken by another Lambkin", () => {
  const logger = pino({ level: "silent" });

  it("moves to a free port when the port was not chosen, and stays when it was", async () => {
    const other = createServer();
    other.listen(0, "127.0.0.1");
    await once(other, "listening");
    const address = other.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    try {
      expect(await freeUnlessChosen(address.port, "LAMBKIN_TEST_PORT", "127.0.0.1", logger, {})).toBe(0);
      expect(
        await freeUnlessChosen(address.port, "LAMBKIN_TEST_PORT", "127.0.0.1", logger, {
          LAMBKIN_TEST_PORT: String(address.port),
        }),
      ).toBe(address.port);
    } finally {
      other.close();
    }
    // Free again: the default is kept.
    expect(await freeUnlessChosen(address.port, "LAMBKIN_TEST_PORT", "127.0.0.1", logger, {})).toBe(
      address.port,
    );
    expect(await freeUnlessChosen(undefined, "LAMBKIN_TEST_PORT", "127.0.0.1", logger, {})).toBeUndefined();
  });
});
