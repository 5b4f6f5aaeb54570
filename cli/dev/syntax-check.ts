/**
 * A cheap syntax check of the files a save changed, so that `lambkin dev` can say at once — and once, not on
 * every invocation — where a save broke the code: esbuild's `transform` parses one file in about a millisecond
 * and reports the file, line, column and the text of the offending line (https://esbuild.github.io/api/#transform).
 * It checks syntax only (no types, no imports resolved), which is what the Node runtime refuses at init with
 * `Runtime.UserCodeSyntaxError`; the invocations themselves fail in that shape, from the bootstrap.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { type Loader, type Message, transform } from "esbuild";

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
  try {
    await transform(code, {
      loader: LOADERS[extension],
      sourcefile: file,
      // CommonJS allows a top-level `return` (the module wrapper is a function); ESM allows top-level await.
      ...(extension === ".cjs" || extension === ".cts" ? { format: "cjs" as const } : {}),
      logLevel: "silent",
    });
    return undefined;
  } catch (error) {
    const first = (error as { errors?: Message[] }).errors?.[0];
    if (!first) return undefined;
    return {
      file,
      line: first.location?.line ?? 1,
      column: (first.location?.column ?? 0) + 1,
      lineText: first.location?.lineText ?? "",
      message: first.text,
    };
  }
}

/** Starts esbuild's service process (what its first transform would), so that the first save does not wait for it. */
export async function warmSyntaxCheck(): Promise<void> {
  await transform("", { loader: "js" }).catch(() => undefined);
}

/** `file:line:column: message`, then the line and a caret under the column: what a terminal user needs. */
export function formatSyntaxProblem(problem: SyntaxProblem): string {
  const caret = `${" ".repeat(Math.max(0, problem.column - 1))}^`;
  return `${problem.file}:${problem.line}:${problem.column}: SyntaxError: ${problem.message}\n    ${problem.lineText}\n    ${caret}`;
}
