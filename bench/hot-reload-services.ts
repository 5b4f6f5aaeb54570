// Temporary folders of services for the hot-reload benchmark (reload-bench.ts) and tests (test/cli/hot-reload.test.ts): each service's handler answers its code
// version (a constant in its source, which the tests edit) and a counter of the invocations its environment has
// served (module state: it starts again at 1 only in a new environment).
import { spawn } from "node:child_process";
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../runtime/package-paths.js";

export interface ServiceSpec {
  /** Service name, folder name and route path (`GET /<name>`). */
  readonly name: string;
  /** The version the handler answers. */
  readonly version?: string;
  /** Extra functions: key → route path (each answers like the first). */
  readonly extraFunctions?: Readonly<Record<string, string>>;
  /** How long the handler waits before answering, in ms (for in-flight tests). */
  readonly delayMs?: number;
}

export function handlerSource(version: string, delayMs = 0): string {
  return `let served = 0;
const version = ${JSON.stringify(version)};
exports.handler = async (event) => {
  served++;
  const wait = Number(event?.queryStringParameters?.wait ?? ${delayMs});
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return { statusCode: 200, body: JSON.stringify({ version, served, pid: process.pid }) };
};
`;
}

export function manifestSource(spec: ServiceSpec): string {
  const functions = { [spec.name]: `/${spec.name}`, ...spec.extraFunctions };
  return `service: ${spec.name}
provider:
  name: aws
  runtime: nodejs20.x
functions:
${Object.entries(functions)
  .map(
    ([key, path]) => `  ${key}:
    handler: handler.handler
    events:
      - httpApi: 'GET ${path}'`,
  )
  .join("\n")}
`;
}

export async function writeService(root: string, spec: ServiceSpec): Promise<string> {
  const dir = join(root, spec.name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "handler.js"), handlerSource(spec.version ?? "v1", spec.delayMs));
  await writeFile(join(dir, "serverless.yml"), manifestSource(spec));
  return dir;
}

/** A fresh folder of services under the system's temp folder. */
export async function serviceFolder(prefix: string, specs: readonly ServiceSpec[]): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), `lambkin-${prefix}-`));
  for (const spec of specs) await writeService(root, spec);
  return root;
}

export async function removeFolder(root: string | undefined): Promise<void> {
  if (root) await rm(root, { recursive: true, force: true });
}

/** Saves the way editors with "safe write" do: write a temporary file beside it, rename it over the original. */
export function saveByRename(file: string, text: string): void {
  const temporary = `${file}.tmp-${process.pid}-${Date.now()}~`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

export interface Answer {
  readonly status: number;
  readonly version?: string;
  readonly served?: number;
  readonly pid?: number;
  readonly revision: string | null;
}

export async function get(url: string): Promise<Answer> {
  const response = await fetch(url);
  const text = await response.text();
  let body: { version?: string; served?: number; pid?: number } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {}
  return { status: response.status, ...body, revision: response.headers.get("x-lambkin-code-revision") };
}

/** Polls until `check` answers something other than undefined; fails after `boundMs` (generous, not a timing claim). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  boundMs = 30_000,
): Promise<T> {
  const until = Date.now() + boundMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}${last ? ` (last error: ${String(last)})` : ""}`);
}

export interface DevChild {
  readonly url: string;
  readonly pid: number | undefined;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** `lambkin dev` (compiled) on a free port, watching `root`, with a state folder of its own. */
export async function startDevChild(root: string): Promise<DevChild> {
  const child = spawn(
    process.execPath,
    [join(PACKAGE_ROOT, "bin", "lambkin.js"), "dev", "--dir", root, "--port", "0", "--log-format", "pretty"],
    {
      env: {
        ...process.env,
        LAMBKIN_ACCESS_KEYS: "",
        NO_COLOR: "1",
        LAMBKIN_STATE_DIR: mkdtempSync(join(tmpdir(), "lambkin-reload-state-")),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (ready?.[1]) resolve(ready[1]);
    });
    void exited.then(() => reject(new Error(`lambkin dev exited early:\n${output}`)));
  });
  return {
    url,
    pid: child.pid,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
