/**
 * Which file of a static site a request path names, as an S3 website endpoint maps a path to a key
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/IndexDocumentSupport.html): the path percent-decoded,
 * `/` and every folder (`/docs/`) answered by the folder's index document, a folder asked for without its slash
 * (`/docs`) redirected to it with 302.
 *
 * Nothing outside the site's folder is ever named: a path with `.` or `..` segments (also percent-encoded), an
 * encoded slash or backslash, a NUL, an empty segment or a hidden segment (`.env`; `.well-known` excepted) is
 * refused before the file system is asked, and a file (or the root itself) whose real path, symlinks resolved,
 * leaves the folder (or the service folder) is refused too. The checks run per request, so a symlink made after
 * start is caught as well.
 */
import { realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import type { StaticSite } from "../../runtime/manifest/static-site.js";

export type SiteLookup =
  /** A file to send: its path from the real root (posix, leading slash), and that root. */
  | { readonly kind: "file"; readonly file: string; readonly root: string }
  /** A folder asked for without its trailing slash: where to redirect. */
  | { readonly kind: "folder"; readonly location: string }
  | { readonly kind: "missing" }
  | { readonly kind: "refused" };

const ENCODED_SEPARATOR = /%(?:2f|5c)/i;
const ALLOWED_HIDDEN = ".well-known";

/** The file (or folder redirect) `rawPath` — the request's path as sent, percent-encoding kept — names. */
export async function lookUpSitePath(site: StaticSite, rawPath: string): Promise<SiteLookup> {
  if (!rawPath.startsWith("/")) return { kind: "refused" };
  const raw = rawPath.slice(1).split("/");
  const folderAsked = raw.at(-1) === "";
  const segments: string[] = [];
  for (const [index, segment] of raw.entries()) {
    if (segment === "") {
      // Only the last one may be empty: the trailing slash of a folder.
      if (index === raw.length - 1) continue;
      return { kind: "refused" };
    }
    const decoded = decodedSegment(segment);
    if (decoded === undefined) return { kind: "refused" };
    segments.push(decoded);
  }
  const key = folderAsked ? [...segments, site.indexDocument].join("/") : segments.join("/");
  const found = await lookUpKey(site, key);
  if (found.kind !== "folder") return found;
  // S3 redirects `/docs` to `/docs/` when docs/<index document> exists; a folder without one is not a key.
  if (folderAsked) return { kind: "missing" };
  const index = await lookUpKey(site, `${key}/${site.indexDocument}`);
  return index.kind === "file" ? { kind: "folder", location: `${rawPath}/` } : { kind: "missing" };
}

export type KeyLookup = Exclude<SiteLookup, { kind: "folder" }> | { readonly kind: "folder" };

/**
 * The file stored under `key` (a path from the site's folder, already decoded: the error document's), or
 * `folder` when the key is a folder.
 */
export async function lookUpKey(site: StaticSite, key: string): Promise<KeyLookup> {
  const root = await realOrUndefined(site.root);
  // No folder (yet): nothing to serve. A root that became a link out of the service is refused whole.
  if (root === undefined) return { kind: "missing" };
  if (!inside(site.serviceDir, root)) return { kind: "refused" };
  const segments = key.split("/");
  if (segments.some((segment) => decodedSegmentRefusal(segment))) return { kind: "refused" };
  const candidate = join(root, ...segments);
  const real = await realOrUndefined(candidate);
  if (real === undefined) {
    // Not there — unless the folder it would be in is a link out of the site: then nothing in it is the site's.
    const folder = await realOrUndefined(dirname(candidate));
    return folder !== undefined && !inside(root, folder) ? { kind: "refused" } : { kind: "missing" };
  }
  if (real !== root && !inside(root, real)) return { kind: "refused" };
  const info = await stat(real).catch(() => undefined);
  if (info === undefined) return { kind: "missing" };
  if (info.isDirectory()) return { kind: "folder" };
  if (!info.isFile()) return { kind: "refused" };
  return { kind: "file", file: `/${relative(root, real).split(sep).join("/")}`, root };
}

/** A path segment, percent-decoded, or undefined when it must not name a file. */
function decodedSegment(segment: string): string | undefined {
  if (ENCODED_SEPARATOR.test(segment)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return decodedSegmentRefusal(decoded) ? undefined : decoded;
}

function decodedSegmentRefusal(decoded: string): boolean {
  if (decoded === "" || decoded.includes("\0") || decoded.includes("\\") || decoded.includes("/"))
    return true;
  return decoded.startsWith(".") && decoded !== ALLOWED_HIDDEN;
}

async function realOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

/** Whether `target` lies strictly inside `root` (both real paths). */
function inside(root: string, target: string): boolean {
  if (target === root) return true;
  const path = relative(root, target);
  return path !== "" && path !== ".." && !path.startsWith(`..${sep}`) && !isAbsolute(path);
}
