#!/usr/bin/env node
// The root package's postinstall: installs the dependencies of every service under functions/ that has its own
// package-lock.json, with `npm ci` in its folder, as `serverless deploy` would package them — each service is a
// Lambda deployment package of its own, with its node_modules beside its code, and imports nothing from
// Lambkin's. A failed install fails the root install, so `npm ci && npm test` never runs a service without its
// dependencies.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const functions = join(root, "functions");
const services = existsSync(functions)
  ? readdirSync(functions, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(functions, entry.name, "package-lock.json")))
      .map((entry) => join(functions, entry.name))
      .sort()
  : [];

// npm runs lifecycle scripts with npm_execpath set to its own CLI: the same npm installs the services.
const npm = process.env.npm_execpath
  ? { command: process.execPath, args: [process.env.npm_execpath] }
  : { command: process.platform === "win32" ? "npm.cmd" : "npm", args: [] };
// Settings of the root's own install that must not redirect the services' (where to install, what to skip).
const env = { ...process.env };
for (const name of Object.keys(env)) {
  if (/^npm_config_(prefix|global|location|workspaces?|include_workspace_root)$/i.test(name))
    delete env[name];
}

for (const [index, dir] of services.entries()) {
  const name = relative(root, dir);
  console.log(`install-function-dependencies: [${index + 1}/${services.length}] npm ci in ${name}`);
  const run = spawnSync(npm.command, [...npm.args, "ci", "--no-audit", "--no-fund"], {
    cwd: dir,
    env,
    stdio: "inherit",
  });
  if (run.status !== 0) {
    console.error(
      `install-function-dependencies: npm ci failed in ${name} (${run.error?.message ?? `exit status ${run.status ?? run.signal}`}); run it there to see why`,
    );
    process.exit(1);
  }
}
console.log(
  `install-function-dependencies: ${services.length === 0 ? "no service under functions/ has a package-lock.json" : `${services.length} service(s) installed`}`,
);
