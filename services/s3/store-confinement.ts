/**
 * Keeps s3rver's filesystem store inside its data folder. s3rver maps a bucket to a folder and a key to a path
 * under it with `path.join`, so a key with `..` segments (`a/../../../etc/passwd`), a bucket `..`, an upload id
 * or part number from the query string would read, write or delete files anywhere Lambkin may — as root, on a
 * shared machine. S3 itself takes such keys as plain names; Lambkin's S3 refuses them (400 InvalidArgument) rather
 * than store them outside their bucket, and refuses upload ids and part numbers that are not what s3rver makes
 * (hex ids) and S3 takes (parts 1–10,000).
 */
import { isAbsolute, join, relative, sep } from "node:path";

/** The store methods that turn names into paths (s3rver/lib/stores/filesystem.js). */
export interface PathMappingStore {
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
}

export type RefuseName = (message: string) => Error;

/** Wraps the store's path mapping so that every path stays in `root/<bucket>/`. */
export function confineStore(store: PathMappingStore, root: string, refuse: RefuseName): void {
  const bucketPath = store.getBucketPath.bind(store);
  const resourcePath = store.getResourcePath.bind(store);
  store.getBucketPath = (bucket) => {
    const path = bucketPath(bucket);
    if (!isDirectChild(root, path, bucket))
      throw refuse(`The bucket name ${JSON.stringify(bucket)} is not valid.`);
    return path;
  };
  store.getResourcePath = (bucket, key, resource) => {
    const folder = store.getBucketPath(bucket);
    const path = resourcePath(bucket, key, resource);
    if (!isInside(folder, path)) {
      throw refuse(
        `Lambkin's S3 does not store keys with "." or ".." path segments that leave their bucket (${JSON.stringify(key)}).`,
      );
    }
    return path;
  };
}

/** An upload id s3rver made (16 random bytes in hex) and a part number S3 takes; undefined when both are fine. */
export function multipartQueryProblem(query: Readonly<Record<string, unknown>>): string | undefined {
  const uploadId = query.uploadId;
  if (uploadId !== undefined && (typeof uploadId !== "string" || !/^[0-9a-f]{1,64}$/i.test(uploadId))) {
    return "The uploadId is not one this S3 made.";
  }
  const partNumber = query.partNumber;
  if (
    partNumber !== undefined &&
    (typeof partNumber !== "string" ||
      !/^\d{1,5}$/.test(partNumber) ||
      Number(partNumber) < 1 ||
      Number(partNumber) > 10_000)
  ) {
    return "Part number must be an integer between 1 and 10000, inclusive.";
  }
  return undefined;
}

function isDirectChild(root: string, path: string, name: string): boolean {
  return (
    name !== "" &&
    !name.includes("/") &&
    !name.includes("\\") &&
    path === join(root, name) &&
    isInside(root, path)
  );
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}
