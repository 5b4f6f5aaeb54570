/**
 * The Debian packages a set of installed packages needs to work (their Depends and Pre-Depends, followed
 * to the end, as dpkg records them on this host), so that an image assembled from the host can run a
 * compiler toolchain and not only single programs: g++ calls cc1plus, as and ld, and reads headers,
 * none of which a program's shared-library closure (elf-libraries.ts) would find.
 */
import { execFileSync } from "node:child_process";
import { isInstalled } from "../../runtime/sandbox/docker/images/host-packages.js";

/** dpkg-query's own field syntax, not a template placeholder. */
const FIELDS = ["-f=$", "{Pre-Depends}, $", "{Depends}"].join("");

/** `libc6 (>= 2.34), gcc-12-base | foo, awk` → first installed name of each alternative group. */
export function dependencyNames(field: string, installed: (name: string) => boolean): string[] {
  return field
    .split(",")
    .map((group) =>
      group
        .split("|")
        .map((alternative) => alternative.replace(/\(.*?\)|\[.*?\]|<.*?>/g, "").trim())
        .map((name) => name.replace(/:(any|native|amd64|arm64|i386)$/, ""))
        .filter((name) => name !== ""),
    )
    .map((alternatives) => alternatives.find(installed))
    .filter((name): name is string => name !== undefined);
}

/**
 * Every installed package `roots` need, roots included, sorted. A dependency satisfied only through a
 * virtual package (`awk`, provided by mawk) is left out: list the providing package among the roots.
 */
export function packageClosure(roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = roots.filter(isInstalled);
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const field = execFileSync("dpkg-query", ["-W", FIELDS, name], { encoding: "utf8", stdio: "pipe" });
    for (const dependency of dependencyNames(field, isInstalled))
      if (!seen.has(dependency)) queue.push(dependency);
  }
  return [...seen].sort();
}
