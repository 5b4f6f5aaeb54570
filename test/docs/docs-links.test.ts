// The repository explains itself: every relative link in its Markdown leads to a file of the repository
// (and to a heading there, when it names one), no link leaves it, and every citation of the docs in the
// source tree — `docs/lambda-behaviour.md §1.1`, `docs/architecture.md "Ports and adapters"` — names a
// section that exists. References to pages a clone does not contain (the design notes the project started
// from) are refused wherever they appear: these checks fail for as long as a comment still cites them.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { headingAnchors, markdownHeadings, markdownLinks } from "./markdown.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".git"]);
/** Where code, tests, fixtures, scripts, images and docs live: the tree whose text cites the docs. */
const SOURCE_DIRS = [
  "runtime",
  "gateway",
  "cli",
  "test",
  "bench",
  "docker",
  "functions",
  ".ci",
  "bin",
  "docs",
];

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : walk(path);
    return entry.isFile() ? [path] : [];
  });
}

/** Text files only: a NUL byte means binary. */
function readText(path: string): string | undefined {
  const bytes = readFileSync(path);
  return bytes.includes(0) ? undefined : bytes.toString("utf8");
}

const rootFiles = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => join(ROOT, entry.name));
const sourceFiles = [...rootFiles, ...SOURCE_DIRS.flatMap((dir) => walk(join(ROOT, dir)))];
const markdownFiles = sourceFiles.filter((path) => path.endsWith(".md")).sort();

const where = (path: string, line: number) => `${relative(ROOT, path)}:${line}`;

/** Each line of every text file of the source tree, with where it is. */
function sourceLines(): { at: (line: number) => string; path: string; lines: string[] }[] {
  return sourceFiles.flatMap((path) => {
    const text = readText(path);
    return text === undefined
      ? []
      : [{ path, lines: text.split("\n"), at: (line: number) => where(path, line) }];
  });
}

const BEHAVIOUR = join(ROOT, "docs", "lambda-behaviour.md");
const ARCHITECTURE = join(ROOT, "docs", "architecture.md");

/** `## 1. Runtime API` → "1", `### 1.1 Endpoints` → "1.1". */
function behaviourSections(): Set<string> {
  const sections = new Set<string>();
  for (const heading of markdownHeadings(readFileSync(BEHAVIOUR, "utf8"))) {
    const number = /^(\d+(?:\.\d+)*)\.?\s/.exec(heading)?.[1];
    if (number) sections.add(number);
  }
  return sections;
}

/** A link's problem, or undefined when it resolves inside the repository. */
function brokenLink(from: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    return target.startsWith("file:") ? "a file: URL points outside the repository" : undefined;
  }
  const [rawPath = "", anchor] = target.split("#", 2);
  if (isAbsolute(rawPath)) return "an absolute path; link relatively, inside the repository";
  const path = rawPath === "" ? from : resolve(dirname(from), decodeURIComponent(rawPath));
  const inside = relative(ROOT, path);
  if (inside.startsWith("..") || isAbsolute(inside)) return "leaves the repository";
  if (!existsSync(path)) return "no such file in the repository";
  if (anchor === undefined || anchor === "") return undefined;
  if (!path.endsWith(".md") || !statSync(path).isFile()) return undefined;
  const anchors = headingAnchors(readFileSync(path, "utf8"));
  return anchors.has(anchor) ? undefined : `no heading with the anchor #${anchor} in ${relative(ROOT, path)}`;
}

describe("the repository's documentation", () => {
  it("has the architecture page and the Lambda behaviour notes", () => {
    expect(existsSync(ARCHITECTURE)).toBe(true);
    expect(existsSync(BEHAVIOUR)).toBe(true);
    expect(markdownFiles.map((path) => relative(ROOT, path))).toContain("README.md");
  });

  it("links only to files and headings of the repository", () => {
    const broken: string[] = [];
    for (const file of markdownFiles) {
      for (const link of markdownLinks(readFileSync(file, "utf8"))) {
        const problem = brokenLink(file, link.target);
        if (problem) broken.push(`${where(file, link.line)} ${link.target}: ${problem}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("numbers every section of the behaviour notes the way the code cites them", () => {
    const sections = behaviourSections();
    // The chapters and sections code comments cite; their numbers are stable.
    for (const section of [
      "1",
      "1.1",
      "1.5",
      "1.6",
      "2",
      "2.7",
      "3",
      "3.4",
      "4",
      "5",
      "6",
      "6.3",
      "7",
      "8",
      "9",
    ]) {
      expect(sections, `§${section}`).toContain(section);
    }
  });
});

describe("citations of the docs in the source tree", () => {
  const sections = behaviourSections();

  it("name sections that exist in docs/lambda-behaviour.md", () => {
    const missing: string[] = [];
    for (const { lines, at } of sourceLines()) {
      lines.forEach((text, index) => {
        // `docs/lambda-behaviour.md §2.4`, `docs/lambda-behaviour.md §1.5, §2.2`; a bare `§1.4` in a
        // comment refers to the same notes.
        // (`RFC 9110 §5.5` names another document.)
        for (const match of text.matchAll(/(RFC\s*\d+\s*)?§\s?(\d+(?:\.\d+)*)/g)) {
          const number = match[2] ?? "";
          if (match[1] === undefined && !sections.has(number)) missing.push(`${at(index + 1)} §${number}`);
        }
      });
    }
    expect(missing).toEqual([]);
  });

  it("name headings that exist in docs/architecture.md", () => {
    const headings = new Set(markdownHeadings(readFileSync(ARCHITECTURE, "utf8")));
    const missing: string[] = [];
    for (const { lines, at } of sourceLines()) {
      lines.forEach((text, index) => {
        for (const match of text.matchAll(/docs\/architecture\.md\s+"([^"]+)"/g)) {
          if (!headings.has(match[1] ?? "")) missing.push(`${at(index + 1)} "${match[1]}"`);
        }
      });
    }
    expect(missing).toEqual([]);
  });

  // Pages that lived beside the repository while it was started; a clone has none of them.
  const outside = [
    { name: "the Lambda semantics notes", pattern: new RegExp(["LAMBDA", "SEMANTICS"].join("_")) },
    { name: "the shared folder", pattern: new RegExp(`(?:/work|\\.\\.)/${"shared"}/`) },
    { name: "the design page", pattern: new RegExp(`\\b${["DES", "IGN"].join("")}(?:\\.md|\\s*"|:)`) },
  ];

  it.each(outside)("never refer to $name, which a clone does not contain", ({ pattern }) => {
    const found: string[] = [];
    for (const { lines, at } of sourceLines()) {
      lines.forEach((text, index) => {
        if (pattern.test(text)) found.push(`${at(index + 1)}: ${text.trim().slice(0, 100)}`);
      });
    }
    expect(found).toEqual([]);
  });
});
