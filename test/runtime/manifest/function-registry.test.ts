/** FunctionRegistry finds a function by Lambda name, bare key, ARN, partial ARN or `:$LATEST`. */
import { beforeAll, describe, expect, it } from "vitest";
import { FunctionRegistry } from "../../../runtime/manifest/function-registry.js";
import { fixture, load } from "./manifest-fixtures.js";

describe("FunctionRegistry", () => {
  let registry: FunctionRegistry;
  beforeAll(async () => {
    registry = new FunctionRegistry((await load(fixture("services"))).functions);
  });

  it("lists every function", () => {
    expect(registry.all().map((fn) => fn.name)).toEqual([
      "alpha-dev-hello",
      "alpha-dev-worker",
      "beta-dev-hello",
      "beta-custom-name",
    ]);
  });

  it("finds a function by its Lambda name, explicit or derived", () => {
    expect(registry.resolve("alpha-dev-hello")?.key).toBe("hello");
    expect(registry.resolve("beta-custom-name")?.key).toBe("named");
  });

  it("finds a function by its bare key when only one service has it", () => {
    expect(registry.resolve("worker")?.name).toBe("alpha-dev-worker");
    expect(registry.resolve("named")?.name).toBe("beta-custom-name");
    expect(registry.ambiguity("worker")).toEqual([]);
  });

  it("refuses a key several services share and lists the candidates", () => {
    expect(registry.resolve("hello")).toBeUndefined();
    expect(registry.ambiguity("hello")).toEqual(["alpha-dev-hello", "beta-dev-hello"]);
  });

  it("finds a function by full ARN, with or without $LATEST, whatever the account", () => {
    expect(registry.resolve("arn:aws:lambda:us-east-1:000000000000:function:alpha-dev-worker")?.key).toBe(
      "worker",
    );
    expect(
      registry.resolve("arn:aws:lambda:us-east-1:123456789012:function:alpha-dev-worker:$LATEST")?.key,
    ).toBe("worker");
  });

  it("finds a function by partial ARN and by name:$LATEST", () => {
    expect(registry.resolve("000000000000:function:beta-dev-hello")?.service).toBe("beta");
    expect(registry.resolve("beta-dev-hello:$LATEST")?.service).toBe("beta");
    expect(registry.resolve("worker:$LATEST")?.name).toBe("alpha-dev-worker");
  });

  it("does not find unknown functions, other qualifiers, keys inside ARNs or malformed references", () => {
    expect(registry.resolve("missing")).toBeUndefined();
    expect(registry.resolve("alpha-dev-worker:3")).toBeUndefined();
    expect(registry.resolve("alpha-dev-worker:prod")).toBeUndefined();
    expect(registry.resolve("arn:aws:lambda:us-east-1:000000000000:function:worker")).toBeUndefined();
    expect(registry.resolve("not a name")).toBeUndefined();
    expect(registry.ambiguity("arn:aws:lambda:us-east-1:000000000000:function:hello")).toEqual([]);
  });
});
