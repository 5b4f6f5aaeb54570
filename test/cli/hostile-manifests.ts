/**
 * Writes hostile serverless.yml files into a temporary service folder (with a real handler beside them), for
 * the tests that check Lambkin refuses them with a manifest error instead of running out of memory, time or stack.
 * Each file is small enough to look harmless; what it costs comes from what loading it would expand.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const HEAD = "service: hostile\nprovider:\n  name: aws\n  runtime: nodejs20.x\n";
const HANDLER = "exports.hello = async () => 'hello';\n";

/** A service folder holding `manifest` as its serverless.yml and handler.js (export hello). */
export async function hostileService(manifest: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lambkin-hostile-"));
  await writeFile(join(dir, "serverless.yml"), manifest);
  await writeFile(join(dir, "handler.js"), HANDLER);
  return dir;
}

function functionWith(environment: string): string {
  return `${HEAD}functions:\n  hello:\n    handler: handler.hello\n    environment:\n${environment}`;
}

/** The classic billion laughs: nine anchors, each aliasing the previous one nine times (9^9 strings). */
export function billionLaughs(): string {
  const lines = ['custom:\n  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 9; level += 1) {
    const previous = `*a${level - 1}`;
    lines.push(`  a${level}: &a${level} [${Array(9).fill(previous).join(",")}]`);
  }
  return `${HEAD}${lines.join("\n")}\nfunctions:\n  hello:\n    handler: handler.hello\n    environment:\n      LOL: *a8\n`;
}

/** One anchor of `items` items aliased `aliases` times where Lambkin reads (a function's environment): ~600 KB. */
export function aliasedAnchor(items = 300_000, aliases = 400): string {
  const anchor = `custom:\n  big: &big [${Array(items).fill("0").join(",")}]\n`;
  const environment = Array.from({ length: aliases }, (_, index) => `      V${index}: *big\n`).join("");
  return `${HEAD}${anchor}functions:\n  hello:\n    handler: handler.hello\n    environment:\n${environment}`;
}

/** The same blow-up without YAML aliases: `${self:custom.big}` copied `references` times. */
export function selfReferences(items = 300_000, references = 400): string {
  const big = `custom:\n  big: [${Array(items).fill("0").join(",")}]\n`;
  const environment = Array.from(
    { length: references },
    (_, index) => `      V${index}: \${self:custom.big}\n`,
  ).join("");
  return `${big}${functionWith(environment)}`;
}

/** A string that doubles with each variable: s40 would be 2^40 bytes. */
export function doublingString(levels = 40): string {
  const lines = ["custom:", "  s0: xxxxxxxxxxxxxxxx"];
  for (let level = 1; level <= levels; level += 1) {
    lines.push(`  s${level}: "\${self:custom.s${level - 1}}\${self:custom.s${level - 1}}"`);
  }
  return `${lines.join("\n")}\n${functionWith(`      BIG: \${self:custom.s${levels}}\n`)}`;
}

/** Each variable refers to the next one, `length` deep. */
export function variableChain(length = 20_000): string {
  const lines = ["custom:"];
  for (let index = 0; index < length; index += 1) lines.push(`  v${index}: \${self:custom.v${index + 1}}`);
  lines.push(`  v${length}: end`);
  return `${lines.join("\n")}\n${functionWith(`      DEEP: \${self:custom.v0}\n`)}`;
}

/** `[[[[…]]]]`, `depth` levels of flow collections. */
export function deeplyNested(depth = 100_000): string {
  return `${HEAD}custom:\n  deep: ${"[".repeat(depth)}${"]".repeat(depth)}\nfunctions:\n  hello:\n    handler: handler.hello\n`;
}

/** A valid manifest padded with a comment to `bytes` bytes. */
export function hugeFile(bytes = 10 * 1024 * 1024): string {
  const manifest = `${HEAD}functions:\n  hello:\n    handler: handler.hello\n`;
  return `${manifest}# ${"x".repeat(bytes - manifest.length - 3)}\n`;
}
