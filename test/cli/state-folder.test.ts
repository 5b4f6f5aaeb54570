/**
 * Where a stage's state is (`.lambkin/`, `.lambkin/stages/<stage>/`, or the folder chosen), under which Redis
 * prefix, and a stand-in's default port taken by another Lambkin (a real listening socket) moving to a free one.
 */
import { once } from "node:events";
import { createServer } from "node:net";
import { resolve } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { StandInPorts } from "../../cli/stand-in-ports.js";
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
  it("moves to a free port when the port was not chosen, stays when it was, and is reported once it runs", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
    const other = createServer();
    other.listen(0, "127.0.0.1");
    await once(other, "listening");
    const address = other.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const { port } = address;
    const ports = new StandInPorts("127.0.0.1", {});
    const chosen = new StandInPorts("127.0.0.1", { LAMBKIN_S3_PORT: String(port) });
    try {
      expect(await ports.choose(port, "LAMBKIN_SMTP_PORT")).toBe(0);
      expect(await ports.choose(port, "LAMBKIN_DYNAMODB_PORT")).toBe(0);
      expect(await chosen.choose(port, "LAMBKIN_S3_PORT")).toBe(port);
    } finally {
      other.close();
    }
    await once(other, "close");
    // Free again: the default is kept.
    expect(await ports.choose(port, "LAMBKIN_S3_PORT")).toBe(port);
    expect(await ports.choose(undefined, "LAMBKIN_S3_PORT")).toBeUndefined();
    // Only a stand-in that runs is reported: here SMTP did, DynamoDB Local did not (no table declared).
    ports.report(logger, { LAMBKIN_SMTP_PORT: true, LAMBKIN_DYNAMODB_PORT: false });
    chosen.report(logger, { LAMBKIN_S3_PORT: true });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      code: "LKN_WRN_STAND_IN_PORT_MOVED",
      port,
      variable: "LAMBKIN_SMTP_PORT",
    });
  });
});
