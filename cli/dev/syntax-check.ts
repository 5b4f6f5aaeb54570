/**
 * A cheap syntax check of the files a save changed, so that `lambkin dev` can say at once — and once, not on
 * every invocation — where a save broke the code: esbuild's `transform` parses one file in about a millisecond
 * and reports the file, line, column and the text of the offending line (https://esbuild.github.io/api/#transform).
 * It checks syntax only (no types, no imports resolved), which is what the Node runtime refuses at init with
 * `Runtime.UserCodeSyntaxError`; the invocations themselves fail in that shape, from the bootstrap.
 * The transforms run in a child process of their own (syntax-check-process.ts explains why), started once and
 * kept while hot reload runs; if it is gone, a check finds no problem rather than fail the reload.
 */
import { type ChildProcess, fork } from "node:child_process";
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import type { Loader, Message } from "esbuild";

const LOADERS: Readonly<Record<string, Loader>> = {
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
};

export interface SyntaxProblem {
  readonly file: string;
  readonly line: number;
  /** 1-based, as editors count. */
  readonly column: number;
  readonly lineText: string;
  readonly message: string;
}

export function isCheckedSource(file: string): boolean {
  return extname(file) in LOADERS;
}

/** The first syntax error of each file that has one; files that cannot be read (removed since) are skipped. */
export async function syntaxProblems(files: readonly string[]): Promise<SyntaxProblem[]> {
  const problems = await Promise.all(files.filter(isCheckedSource).map(checkFile));
  return problems.filter((problem): problem is SyntaxProblem => problem !== undefined);
}

async function checkFile(file: string): Promise<SyntaxProblem | undefined> {
  let code: string;
  try {
    code = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  const extension = extname(file);
  const errors = await checker().check({
    code,
    loader: LOADERS[extension] as Loader,
    sourcefile: file,
    // CommonJS allows a top-level `return` (the module wrapper is a function); ESM allows top-level await.
    ...(extension === ".cjs" || extension === ".cts" ? { format: "cjs" as const } : {}),
  });
  const first = errors[0];
  if (!first) return undefined;
  return {
    file,
    line: first.location?.line ?? 1,
    column: (first.location?.column ?? 0) + 1,
    lineText: first.location?.lineText ?? "",
    message: first.text,
  };
}

interface CheckInput {
  readonly code: string;
  readonly loader: Loader;
  readonly sourcefile: string;
  readonly format?: "cjs";
}

/** The checking child process, its pending requests by id. */
class Checker {
  private child: ChildProcess | undefined;
  private sequence = 0;
  private readonly pending = new Map<number, (errors: Message[]) => void>();

  check(input: CheckInput): Promise<Message[]> {
    const child = this.running();
    const id = ++this.sequence;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      // A check under way keeps the process alive until its answer; an idle child does not.
      channelOf(child)?.ref?.();
      child.send({ id, ...input }, (error) => {
        if (error) this.settle(id, []);
      });
    });
  }

  get started(): boolean {
    return this.child?.connected === true;
  }

  stop(): void {
    this.child?.disconnect();
    this.child = undefined;
  }

  private running(): ChildProcess {
    if (this.child?.connected) return this.child;
    const child = fork(new URL("./syntax-check-process.js", import.meta.url), [], {
      stdio: ["ignore", "ignore", "ignore", "ipc"],
    });
    child.on("message", (reply: { id: number; errors?: Message[] }) =>
      this.settle(reply.id, reply.errors ?? []),
    );
    child.once("exit", () => {
      if (this.child === child) this.child = undefined;
      for (const id of [...this.pending.keys()]) this.settle(id, []);
    });
    child.on("error", () => {});
    // Neither the child nor its channel keeps `lambkin dev` alive.
    child.unref();
    channelOf(child)?.unref?.();
    this.child = child;
    return child;
  }

  private settle(id: number, errors: Message[]): void {
    const resolve = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0 && this.child) channelOf(this.child)?.unref?.();
    resolve?.(errors);
  }
}

function channelOf(child: ChildProcess): { ref?: () => void; unref?: () => void } | undefined {
  return child.channel as { ref?: () => void; unref?: () => void } | undefined;
}

let shared: Checker | undefined;
function checker(): Checker {
  shared ??= new Checker();
  return shared;
}

/** Stops the checking child (hot reload closes). */
export function stopSyntaxCheck(): void {
  shared?.stop();
}

/** Starts the checking child and esbuild's service in it (once), so that a check soon after need not wait for them. */
export function startSyntaxCheck(): void {
  if (shared?.started) return;
  void checker().check({ code: "", loader: "js", sourcefile: "warm-up.js" });
}

/** `file:line:column: message`, then the line and a caret under the column: what a terminal user needs. */
export function formatSyntaxProblem(problem: SyntaxProblem): string {
  const caret = `${" ".repeat(Math.max(0, problem.column - 1))}^`;
  return `${problem.file}:${problem.line}:${problem.column}: SyntaxError: ${problem.message}\n    ${problem.lineText}\n    ${caret}`;
}
