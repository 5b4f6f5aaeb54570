/**
 * Reads a container-image function (`functions.<key>.image`, Serverless Framework's syntax for Lambda's
 * PackageType Image): a URI; the name of an image under `provider.ecr.images` (with a `uri`); or a mapping
 * `{uri | name, command, entryPoint, workingDirectory}` — the last three are Lambda's ImageConfig
 * overrides. Lambda gives such a function no runtime and takes its handler from the CMD.
 */
import type { FunctionImage } from "./function-definition.js";
import { describeValue, type KeyPath, ManifestError } from "./manifest-error.js";
import { isMapping, type VariableResolver } from "./variable-resolver.js";

export function readFunctionImage(resolver: VariableResolver, path: KeyPath): FunctionImage | undefined {
  const value = resolver.get(path);
  if (value === undefined || value === null) return undefined;
  const { file } = resolver;
  if (typeof value === "string") return { name: namedImage(resolver, value, path) ?? value };
  if (!isMapping(value)) {
    throw new ManifestError(
      file,
      path,
      `must be an image URI or a mapping, not ${describeValue(value)}`,
      IMAGE_FIX,
    );
  }
  const reference =
    typeof value.uri === "string"
      ? value.uri
      : typeof value.name === "string"
        ? namedImage(resolver, value.name, [...path, "name"])
        : undefined;
  if (!reference) {
    throw new ManifestError(
      file,
      path,
      "names no image: give `uri` or the `name` of a provider.ecr.images entry",
      IMAGE_FIX,
    );
  }
  return {
    name: reference,
    command: stringList(value.command, file, [...path, "command"]),
    entryPoint: stringList(value.entryPoint, file, [...path, "entryPoint"]),
    workingDirectory: optionalString(value.workingDirectory, file, [...path, "workingDirectory"]),
  };
}

const IMAGE_FIX =
  "Write e.g. image: my-function:latest, or image: { uri: my-function:latest, command: [app.handler] }";

/** `provider.ecr.images.<name>`: its `uri` (a `path` to build from is not built by Lambkin). */
function namedImage(resolver: VariableResolver, name: string, path: KeyPath): string | undefined {
  const entry = resolver.get(["provider", "ecr", "images", name]);
  if (entry === undefined || entry === null) return undefined;
  if (isMapping(entry) && typeof entry.uri === "string") return entry.uri;
  throw new ManifestError(
    resolver.file,
    path,
    `refers to provider.ecr.images.${name}, which Lambkin does not build`,
    `Build it (docker build -t ${name} <path>) and give provider.ecr.images.${name}.uri: ${name}, or image: ${name}:latest`,
  );
}

function stringList(value: unknown, file: string, path: KeyPath): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
  throw new ManifestError(file, path, `must be a list of strings, not ${describeValue(value)}`, IMAGE_FIX);
}

function optionalString(value: unknown, file: string, path: KeyPath): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  throw new ManifestError(file, path, `must be a string, not ${describeValue(value)}`, IMAGE_FIX);
}
