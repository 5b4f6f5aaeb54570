/**
 * Runs a function from its deployment package: a function whose serverless.yml names a zip
 * (`package.artifact`, the Serverless Framework's way to deploy a package built elsewhere,
 * https://www.serverless.com/framework/docs/providers/aws/guide/packaging#artifact) has the zip extracted, once per
 * content, to `<serviceDir>/.lambkin/artifacts/<hash>/`, and its environments run there, as Lambda runs the zip's
 * contents at /var/task. The reader takes what `lambkin package`, `serverless package` and `zip` write — stored and
 * deflated entries, no zip64 — and refuses what could write outside the folder: absolute names, `..` segments,
 * backslashes, symbolic links (APPNOTE.TXT 4.3: central directory, local headers).
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { inflateRawSync } from "node:zlib";

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const SYMLINK_MODE = 0o120000;
const FILE_TYPE_MASK = 0o170000;

export class ArtifactError extends Error {}

interface ZipEntryRecord {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly mode: number;
  readonly localOffset: number;
}

/** The folder the artifact's contents are in (extracted now, or found from an earlier run). */
export async function extractArtifact(zipPath: string, serviceDir: string): Promise<string> {
  let zip: Buffer;
  try {
    zip = await readFile(zipPath);
  } catch (error) {
    throw new ArtifactError(`cannot read ${zipPath}: ${(error as Error).message}`);
  }
  const hash = createHash("sha256").update(zip).digest("hex").slice(0, 16);
  const root = join(serviceDir, ".lambkin", "artifacts");
  const target = join(root, hash);
  if (existsSync(target)) return target;
  const temporary = join(root, `.tmp-${randomBytes(6).toString("hex")}`);
  try {
    await mkdir(temporary, { recursive: true, mode: 0o755 });
    for (const entry of centralDirectory(zip)) {
      const path = join(temporary, ...entry.name.split("/"));
      if (entry.name.endsWith("/")) {
        await mkdir(path, { recursive: true, mode: 0o755 });
        continue;
      }
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      await writeFile(path, contentOf(zip, entry), { mode: entry.mode & 0o111 ? 0o755 : 0o644 });
    }
    if (existsSync(target)) await rm(temporary, { recursive: true, force: true });
    else await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error instanceof ArtifactError
      ? error
      : new ArtifactError(`${zipPath}: ${(error as Error).message}`);
  }
  return target;
}

function centralDirectory(zip: Buffer): ZipEntryRecord[] {
  const end = findEnd(zip);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntryRecord[] = [];
  for (let index = 0; index < count; index++) {
    if (offset + 46 > zip.length || zip.readUInt32LE(offset) !== CENTRAL_ENTRY) {
      throw new ArtifactError("is not a zip this reader takes: its central directory is damaged");
    }
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const name = zip.toString("utf8", offset + 46, offset + 46 + nameLength);
    const mode = zip.readUInt32LE(offset + 38) >>> 16;
    checkName(name);
    if ((mode & FILE_TYPE_MASK) === SYMLINK_MODE) throw new ArtifactError(`holds a symbolic link (${name})`);
    entries.push({
      name,
      method: zip.readUInt16LE(offset + 10),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      mode,
      localOffset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function findEnd(zip: Buffer): number {
  for (let offset = zip.length - 22; offset >= Math.max(0, zip.length - 22 - 0xffff); offset--) {
    if (zip.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) return offset;
  }
  throw new ArtifactError("is not a zip file");
}

function checkName(name: string): void {
  const segments = name.split("/");
  if (name.startsWith("/") || name.includes("\\") || segments.includes("..") || /^[A-Za-z]:/.test(name)) {
    throw new ArtifactError(
      `has an entry that would be written outside its folder (${JSON.stringify(name)})`,
    );
  }
}

function contentOf(zip: Buffer, entry: ZipEntryRecord): Buffer {
  const at = entry.localOffset;
  if (zip.readUInt32LE(at) !== LOCAL_HEADER) throw new ArtifactError(`${entry.name}: damaged local header`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  const content =
    entry.method === 0
      ? Buffer.from(data)
      : entry.method === 8
        ? inflateRawSync(data)
        : (() => {
            throw new ArtifactError(`${entry.name}: compression method ${entry.method} is not read`);
          })();
  if (content.length !== entry.size) throw new ArtifactError(`${entry.name}: size does not match`);
  return content;
}
