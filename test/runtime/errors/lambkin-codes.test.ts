/**
 * The catalogue of Lambkin's codes, its documentation and the source agree: every code in
 * runtime/errors/lambkin-codes.ts is documented in docs/codes.md with the same kind, every code documented
 * there exists, and the source (runtime/, gateway/, triggers/, cli/) uses no code outside the catalogue.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LAMBKIN_CODES } from "../../../runtime/errors/lambkin-codes.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
/** A whole code: `LKN_` then ERR or WRN, an area and what; not a type's prefix such as `LKN_ERR_MANIFEST_${string}`. */
const CODE = /\bLKN_(?:ERR|WRN)_[A-Z0-9_]*[A-Z0-9]\b(?!_|\$)/g;

/** `| \`LKN_…\` | error | …` rows of docs/codes.md: code → kind. */
async function documentedCodes(): Promise<Map<string, string>> {
  const docs = await readFile(join(ROOT, "docs", "codes.md"), "utf8");
  const rows = new Map<string, string>();
  for (const [, code, kind] of docs.matchAll(/^\| `(LKN_[A-Z0-9_]+)` \| (\w+) \|/gm)) {
    expect(rows.has(code as string), `${code} is documented twice`).toBe(false);
    rows.set(code as string, kind as string);
  }
  return rows;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(ts|js|mjs|cjs)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("Lambkin's codes", () => {
  it("documents every code of the catalogue, with its kind", async () => {
    const documented = await documentedCodes();
    for (const [code, entry] of Object.entries(LAMBKIN_CODES)) {
      expect(documented.get(code), `${code} in docs/codes.md`).toBe(entry.kind);
    }
  });

  it("documents no code that the catalogue does not have", async () => {
    const documented = await documentedCodes();
    const missing = [...documented.keys()].filter((code) => !Object.hasOwn(LAMBKIN_CODES, code));
    expect(missing).toEqual([]);
  });

  it("names each code by its kind: LKN_ERR_ for errors, LKN_WRN_ for warnings", () => {
    for (const [code, entry] of Object.entries(LAMBKIN_CODES)) {
      expect(code.startsWith(entry.kind === "error" ? "LKN_ERR_" : "LKN_WRN_"), code).toBe(true);
      expect(code).toMatch(/^LKN_(ERR|WRN)_[A-Z0-9]+(_[A-Z0-9]+)+$/);
      expect(entry.summary.length, code).toBeGreaterThan(0);
    }
  });

  it("uses in the source only codes that the catalogue has", async () => {
    const used = new Map<string, string>();
    for (const dir of ["runtime", "gateway", "triggers", "cli"]) {
      for (const file of await sourceFiles(dir)) {
        for (const [code] of (await readFile(file, "utf8")).matchAll(CODE)) used.set(code, file);
      }
    }
    expect(used.size).toBeGreaterThan(10); // the scan does find the codes the source uses
    const unknown = [...used].filter(([code]) => !Object.hasOwn(LAMBKIN_CODES, code));
    expect(unknown).toEqual([]);
  });
});
