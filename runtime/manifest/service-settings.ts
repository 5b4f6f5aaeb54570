/**
 * The service-wide parts of a serverless.yml: the service name, the provider (which must be aws), the stage and
 * region the service runs as, its CloudFormation stack name, the functions it declares and the resources under
 * `resources:` that `Ref`/`Fn::GetAtt` can point at.
 */
import type { DeclaredResource } from "./cloudformation-intrinsics.js";
import { describeValue, type KeyPath, ManifestError } from "./manifest-error.js";
import { isMapping, type VariableResolver } from "./variable-resolver.js";

export interface ServiceSettings {
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  /** `<service>-<stage>`, the Framework's stack name, unless `provider.stackName` is set. */
  readonly stackName: string;
}

export interface FunctionEntry {
  /** The key under `functions:`. */
  readonly key: string;
  readonly path: KeyPath;
}

/** The Framework's service name rule (its configuration schema): a letter, then letters, digits and dashes. */
const SERVICE_NAME = /^[a-zA-Z][0-9a-zA-Z-]+$/;

export function readServiceSettings(resolver: VariableResolver): ServiceSettings {
  const { file } = resolver;
  const written = resolver.get(["service"]);
  // `service: { name: … }` is the Framework v1 form, still accepted.
  const service = isMapping(written) ? written.name : written;
  const servicePath = isMapping(written) ? ["service", "name"] : ["service"];
  if (typeof service !== "string" || !SERVICE_NAME.test(service)) {
    const problem =
      service === undefined || service === null
        ? "is missing"
        : `${describeValue(service)} is not a valid service name`;
    throw new ManifestError(
      file,
      servicePath,
      problem,
      "Name the service with a letter followed by letters, digits or dashes, e.g. service: coupon-shop",
    );
  }
  const provider = resolver.get(["provider", "name"]);
  if (provider !== "aws") {
    const problem =
      provider === undefined
        ? "is missing"
        : `is ${describeValue(provider)}: Lambkin runs AWS Lambda services only`;
    throw new ManifestError(file, ["provider", "name"], problem, "Write provider: { name: aws }");
  }
  const stage = resolver.stage();
  const stackName = resolver.get(["provider", "stackName"]);
  return {
    service,
    stage,
    region: resolver.region(),
    stackName: typeof stackName === "string" && stackName !== "" ? stackName : `${service}-${stage}`,
  };
}

/** `functions:` as a mapping, or a list of mappings (the Framework merges them); empty or absent is fine. */
export function functionEntries(resolver: VariableResolver): FunctionEntry[] {
  const functions = resolver.shallow(["functions"]);
  if (functions === undefined || functions === null) return [];
  const groups: KeyPath[] = Array.isArray(functions)
    ? functions.map((_, index) => ["functions", index])
    : [["functions"]];
  return groups.flatMap((groupPath) => {
    const group = resolver.shallow(groupPath);
    if (group === null) return [];
    if (!isMapping(group)) {
      throw new ManifestError(
        resolver.file,
        groupPath,
        `must map function keys to their settings, not ${describeValue(group)}`,
        "Write e.g. functions: { hello: { handler: src/hello.handler } }",
      );
    }
    return Object.keys(group).map((key) => ({ key, path: [...groupPath, key] }));
  });
}

/** A resource under `resources.Resources` (or under any item of a `resources:` list, which the Framework merges). */
export function declaredResource(
  resolver: VariableResolver,
  logicalId: string,
): DeclaredResource | undefined {
  const resources = resolver.shallow(["resources"]);
  const sections: KeyPath[] = Array.isArray(resources)
    ? resources.map((_, index) => ["resources", index])
    : [["resources"]];
  for (const section of sections) {
    const path = [...section, "Resources", logicalId];
    if (!isMapping(resolver.shallow(path))) continue;
    return {
      path,
      type: resolver.get([...path, "Type"]),
      property: (name) => resolver.get([...path, "Properties", name]),
    };
  }
  return undefined;
}
