/**
 * A Node.js handler is loaded from its service folder only: an absolute path, or a module that resolves through
 * a symlink to outside the folder, is a manifest error; symlinks that stay inside, and node_modules, are fine.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { load, loadError } from "./manifest-fixtures.js";

const HANDLER = "exports.hello = async () => 'hello';\n";

describe("handler location", () => {
  let sandbox: string;
  let service: string;
  let outside: string;

  beforeEach(async () => {
    sandbox = await mkdtemp(join(tmpdir(), "lambkin-handler-location-"));
    service = join(sandbox, "service");
    outside = join(sandbox, "outside");
    await mkdir(service);
    await mkdir(outside);
    await writeFile(join(outside, "evil.js"), HANDLER);
    await writeFile(join(outside, "index.js"), HANDLER);
  });
  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  const manifest = (handler: string) =>
    writeFile(
      join(service, "serverless.yml"),
      `service: located\nprovider:\n  name: aws\nfunctions:\n  hello:\n    handler: ${handler}\n`,
    );

  async function refusal(handler: string) {
    await manifest(handler);
    const error = await loadError(service);
    expect(error).toMatchObject({
      code: "LKN_ERR_MANIFEST_HANDLER_OUTSIDE_SERVICE",
      file: join(service, "serverless.yml"),
      keyPath: "functions.hello.handler",
    });
    return error;
  }

  it("refuses an absolute handler path", async () => {
    const error = await refusal("/etc/passwd.handler");
    expect(error.problem).toContain('"/etc/passwd.handler" is an absolute path');
  });

  it("refuses a TypeScript handler source that is a symlink to a file outside the service folder", async () => {
    await writeFile(join(outside, "evil.ts"), "export const hello = async () => 'hello';\n");
    await symlink(join(outside, "evil.ts"), join(service, "handler.ts"));
    const error = await refusal("handler.hello");
    expect(error.problem).toContain(`loads ${join(outside, "evil.ts")}`);
  });

  it("refuses a handler file that is a symlink to a file outside the service folder", async () => {
    await symlink(join(outside, "evil.js"), join(service, "handler.js"));
    const error = await refusal("handler.hello");
    expect(error.problem).toContain(`loads ${join(outside, "evil.js")}`);
  });

  it("refuses a handler in a symlinked folder that points outside the service folder", async () => {
    await symlink(outside, join(service, "lib"));
    const error = await refusal("lib/index.hello");
    expect(error.problem).toContain(`loads ${join(outside, "index.js")}`);
  });

  it("refuses a handler that names a symlinked folder whose index.js is outside", async () => {
    await symlink(outside, join(service, "app"));
    await refusal("app.hello");
  });

  it("accepts symlinks that stay inside the service folder", async () => {
    await mkdir(join(service, "src"));
    await writeFile(join(service, "src", "real.js"), HANDLER);
    await symlink(join(service, "src", "real.js"), join(service, "current.js"));
    await symlink(join(service, "src"), join(service, "linked"));
    await manifest("current.hello");
    expect((await load(service)).functions[0]?.handler).toBe("current.hello");
    await manifest("linked/real.hello");
    expect((await load(service)).functions[0]?.handler).toBe("linked/real.hello");
  });

  it("accepts a service folder reached through a symlink", async () => {
    await writeFile(join(service, "handler.js"), HANDLER);
    await manifest("handler.hello");
    await symlink(service, join(sandbox, "alias"));
    expect((await load(join(sandbox, "alias"))).functions).toHaveLength(1);
  });

  it("does not check node_modules: a linked package may live anywhere (npm link, workspaces)", async () => {
    await mkdir(join(service, "node_modules"));
    await writeFile(join(outside, "package.json"), '{"name":"linked","main":"index.js"}');
    await symlink(outside, join(service, "node_modules", "linked"));
    await manifest("linked.hello");
    expect((await load(service)).functions).toHaveLength(1);
  });

  it("leaves .. to the malformed-handler warning: the runtime refuses it before loading anything", async () => {
    await manifest("../outside/evil.hello");
    const { functions, warnings } = await load(service);
    expect(functions).toHaveLength(1);
    expect(warnings).toContainEqual(
      expect.objectContaining({
        code: "LKN_WRN_MANIFEST_HANDLER_MALFORMED",
        keyPath: "functions.hello.handler",
      }),
    );
  });
});
