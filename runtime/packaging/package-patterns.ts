/**
 * Which files of a service folder go into its package, as the Serverless Framework v3 decides: every file, less
 * its default excludes (`.git/**`, `.gitignore`, `.DS_Store`, `npm-debug.log`, `.serverless/**`,
 * `.serverless_plugins/**`), then `package.patterns` in order — `!glob` excludes what matched so far, `glob`
 * includes again (https://www.serverless.com/framework/docs/providers/aws/guide/packaging#patterns). Lambkin's own
 * `.lambkin/` and serverless-esbuild's `.esbuild/` are build output, left out too; node_modules is chosen apart
 * (production-dependencies.ts). Globs: `*`, `**`, `?`, `{a,b}`, as the Framework's globby reads them.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const DEFAULT_EXCLUDES = [
  ".git/**",
  ".gitignore",
  ".DS_Store",
  "**/.DS_Store",
  "npm-debug.log",
  ".serverless/**",
  ".serverless_plugins/**",
  ".lambkin/**",
  ".esbuild/**",
];

/** Every file under `dir` (relative, `/`-separated, sorted), node_modules and Lambkin's build output not entered. */
export function serviceFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (relativeDir: string) => {
    for (const entry of readdirSync(join(dir, relativeDir), { withFileTypes: true })) {
      const path = relativeDir === "" ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (path === "node_modules" || path === ".git" || path === ".lambkin" || path === ".serverless")
          continue;
        walk(path);
      } else if (entry.isFile()) files.push(path);
    }
  };
  walk("");
  return files.sort();
}

/** The files kept after the default excludes and `patterns`. */
export function selectFiles(files: readonly string[], patterns: readonly string[]): string[] {
  const rules = [...DEFAULT_EXCLUDES.map((glob) => `!${glob}`), ...patterns].map((pattern) => {
    const exclude = pattern.startsWith("!");
    return { exclude, matches: globMatcher(exclude ? pattern.slice(1) : pattern) };
  });
  return files.filter((file) => {
    let kept = true;
    for (const rule of rules) if (rule.matches(file)) kept = !rule.exclude;
    return kept;
  });
}

/** A glob as a test of a relative path; `dir/**` also matches `dir` itself, a leading `./` is dropped. */
export function globMatcher(glob: string): (path: string) => boolean {
  // `dir/**` is `dir` and everything under it: the trailing `(?:/.*)?` below says the second part.
  const source = glob.replace(/^\.\//, "").replace(/\/\*\*$/, "");
  let pattern = "";
  for (let index = 0; index < source.length; index++) {
    const char = source[index] as string;
    if (char === "*" && source[index + 1] === "*") {
      const slash = source[index + 2] === "/";
      pattern += slash ? "(?:.*/)?" : ".*";
      index += slash ? 2 : 1;
    } else if (char === "*") pattern += "[^/]*";
    else if (char === "?") pattern += "[^/]";
    else if (char === "{") {
      const end = source.indexOf("}", index);
      if (end < 0) pattern += "\\{";
      else {
        pattern += `(?:${source
          .slice(index + 1, end)
          .split(",")
          .map(escapeRegex)
          .join("|")})`;
        index = end;
      }
    } else pattern += escapeRegex(char);
  }
  const regex = new RegExp(`^${pattern}(?:/.*)?$`);
  return (path) => regex.test(path);
}

function escapeRegex(text: string): string {
  return text.replace(/[.+^$()|[\]\\]/g, "\\$&");
}
