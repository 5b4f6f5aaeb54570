/**
 * Installs the serverless-offline baseline of bench/offline-bench.ts — Serverless Framework 3.40.0 and
 * serverless-offline 13.10.0 — with npm into a cache folder outside the repository (not a dependency of Lambkin),
 * reused when already there.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const SERVERLESS_VERSION = "3.40.0";
export const SERVERLESS_OFFLINE_VERSION = "13.10.0";
const INSTALL_TIMEOUT_MS = 10 * 60_000;

export function cacheFolder(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cache, "lambkin", "bench", `serverless-offline-${SERVERLESS_OFFLINE_VERSION}`);
}

/** The `sls` entry point of the cached install, installing it first when missing. */
export async function installServerlessOffline(): Promise<{ folder: string; sls: string }> {
  const folder = cacheFolder();
  const sls = join(folder, "node_modules", "serverless", "bin", "serverless.js");
  const plugin = join(folder, "node_modules", "serverless-offline", "package.json");
  if (existsSync(sls) && existsSync(plugin) && existsSync(join(folder, ".complete"))) {
    console.log(`serverless-offline: using the cached install in ${folder}`);
    return { folder, sls };
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, "package.json"),
    `${JSON.stringify({ private: true, name: "lambkin-bench-sls" })}\n`,
  );
  console.log(
    `serverless-offline: installing serverless@${SERVERLESS_VERSION} serverless-offline@${SERVERLESS_OFFLINE_VERSION} into ${folder} (about a minute)…`,
  );
  const args = [
    "install",
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    "--loglevel=error",
    `serverless@${SERVERLESS_VERSION}`,
    `serverless-offline@${SERVERLESS_OFFLINE_VERSION}`,
  ];
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(npm, args, { cwd: folder, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), INSTALL_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`serverless-offline: cannot run npm (${error.message})`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(text);
      else
        reject(
          new Error(
            `serverless-offline: npm install failed (${signal ?? `exit ${code}`}); is the npm registry reachable? ` +
              `(npm config get registry)\n${text.trim()}`,
          ),
        );
    });
  });
  if (!existsSync(sls)) throw new Error(`serverless-offline: npm installed no ${sls}\n${output}`);
  writeFileSync(join(folder, ".complete"), `${new Date().toISOString()}\n`);
  console.log("serverless-offline: installed");
  return { folder, sls };
}
