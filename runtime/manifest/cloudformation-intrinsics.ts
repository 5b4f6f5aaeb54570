/**
 * IntrinsicEvaluator: computes CloudFormation intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`,
 * `Fn::Select`, `Fn::Split`, `Fn::Base64`) the way CloudFormation would at deploy time, for the values Lambkin needs
 * before any stack exists: environment variables and event sources. Results come from the declared resources
 * (cloudformation-resources.ts) and the service's own functions. Anything else (`Fn::ImportValue`, `Fn::If` …)
 * cannot be known locally and is reported with the key path.
 */
import { pseudoParameters, RESOURCE_KINDS, type ResourceKind } from "./cloudformation-resources.js";
import { localArn } from "./local-account.js";
import { describeValue, type KeyPath, ManifestError } from "./manifest-error.js";
import { isMapping } from "./variable-resolver.js";

export interface DeclaredResource {
  /** Where it is declared, e.g. `["resources", "Resources", "CouponsTable"]`. */
  readonly path: KeyPath;
  readonly type: unknown;
  /** A property's value, variables resolved, intrinsics not. */
  property(name: string): unknown;
}

export interface StackContext {
  readonly file: string;
  readonly region: string;
  /** `<service>-<stage>` unless provider.stackName says otherwise. */
  readonly stackName: string;
  resource(logicalId: string): DeclaredResource | undefined;
  /** The Lambda name of this service's function with that logical id (`HelloLambdaFunction`). */
  functionName(logicalId: string): string | undefined;
}

const RESOLVED = "Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split and Fn::Base64";
const KNOWN_TYPES = `${Object.keys(RESOURCE_KINDS).join(", ")} and the service's functions`;

/** `{ Ref: … }` or `{ "Fn::…": … }`: a mapping with a single intrinsic key. */
export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!isMapping(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || Boolean(keys[0]?.startsWith("Fn::")));
}

export class IntrinsicEvaluator {
  /** Logical ids whose names are being computed: a repeat is a cycle. */
  private readonly naming: string[] = [];

  constructor(private readonly stack: StackContext) {}

  /** The value with every intrinsic function in it replaced by its result. */
  evaluate(value: unknown, path: KeyPath): unknown {
    if (Array.isArray(value)) return value.map((item, index) => this.evaluate(item, [...path, index]));
    if (!isMapping(value)) return value;
    if (!isIntrinsic(value))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.evaluate(v, [...path, k])]));
    const [name, args] = Object.entries(value)[0] as [string, unknown];
    const at = [...path, name];
    switch (name) {
      case "Ref":
        return this.ref(this.text(args, at), at);
      case "Fn::GetAtt":
        return this.getAtt(args, at);
      case "Fn::Sub":
        return this.sub(args, at);
      case "Fn::Join": {
        const [delimiter, list] = this.pair(args, at, "[delimiter, [values]]");
        return this.list(list, [...at, 1])
          .map((item, index) => this.text(item, [...at, 1, index]))
          .join(this.text(delimiter, [...at, 0]));
      }
      case "Fn::Select": {
        const [index, list] = this.pair(args, at, "[index, [values]]");
        const items = this.list(list, [...at, 1]);
        const chosen = items[Number(this.evaluate(index, [...at, 0]))];
        if (chosen === undefined)
          throw this.error(
            at,
            `index ${String(index)} is outside the list of ${items.length}`,
            "Select an existing item",
          );
        return chosen;
      }
      case "Fn::Split": {
        const [delimiter, source] = this.pair(args, at, "[delimiter, text]");
        return this.text(source, [...at, 1]).split(this.text(delimiter, [...at, 0]));
      }
      case "Fn::Base64":
        return Buffer.from(this.text(args, at)).toString("base64");
      case "Fn::ImportValue":
        throw this.error(
          at,
          "reads another stack's exports, which do not exist locally",
          `Pass the value through the environment instead, e.g. \${env:NAME, 'local value'}`,
        );
      default:
        throw this.error(
          at,
          `cannot be computed before deployment`,
          `Lambkin resolves ${RESOLVED}; write the value itself, or use \${self:…} or \${env:…}`,
        );
    }
  }

  /** The physical name CloudFormation would give the declared resource (its name property, or a generated one). */
  physicalNameOf(logicalId: string, path: KeyPath): string {
    return this.declared(logicalId, path).name;
  }

  private ref(target: string, path: KeyPath): string {
    const pseudo = pseudoParameters(this.stack.region, this.stack.stackName)[target];
    if (pseudo !== undefined) return pseudo;
    const functionName = this.stack.functionName(target);
    if (functionName !== undefined) return functionName;
    const { kind, name } = this.declared(target, path);
    return kind.ref(name, this.stack.region);
  }

  private getAtt(args: unknown, path: KeyPath): string {
    const [logicalId, attribute] =
      typeof args === "string" ? args.split(/\.(.*)/s) : Array.isArray(args) ? args : [];
    if (typeof logicalId !== "string" || typeof attribute !== "string") {
      throw this.error(
        path,
        `expects [LogicalId, Attribute], got ${describeValue(args)}`,
        "Write !GetAtt LogicalId.Attribute",
      );
    }
    const functionName = this.stack.functionName(logicalId);
    if (functionName !== undefined && attribute === "Arn")
      return localArn("lambda", this.stack.region, `function:${functionName}`);
    const { kind, name, type } = this.declared(logicalId, path);
    const attributeOf = kind.attributes[attribute];
    if (!attributeOf) {
      throw this.error(
        path,
        `${type} has no attribute ${attribute} that Lambkin knows`,
        `Use one of: ${Object.keys(kind.attributes).join(", ")}`,
      );
    }
    return attributeOf(name, this.stack.region);
  }

  /** `${AWS::Region}`, `${Resource}`, `${Resource.Attribute}`, `${Var}` from the map, `${!Literal}`. */
  private sub(args: unknown, path: KeyPath): string {
    const [template, variables] = Array.isArray(args) ? args : [args, {}];
    const text = this.text(template, Array.isArray(args) ? [...path, 0] : path);
    const values = isMapping(variables) ? variables : {};
    return text.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
      if (name.startsWith("!")) return `\${${name.slice(1)}}`;
      if (Object.hasOwn(values, name)) return this.text(values[name], [...path, 1, name]);
      return name.includes(".") ? this.getAtt(name, path) : this.ref(name, path);
    });
  }

  private declared(logicalId: string, path: KeyPath): { kind: ResourceKind; name: string; type: string } {
    const resource = this.stack.resource(logicalId);
    if (!resource) {
      throw this.error(
        path,
        `there is no resource ${logicalId} under resources.Resources`,
        "Declare it there, or correct the logical id",
      );
    }
    const type = String(resource.type);
    const kind = RESOURCE_KINDS[type];
    if (!kind)
      throw this.error(
        path,
        `Lambkin cannot tell what ${logicalId} (${type}) resolves to`,
        `It knows ${KNOWN_TYPES}; write the value itself`,
      );
    return { kind, name: this.physicalName(logicalId, resource, kind), type };
  }

  private physicalName(logicalId: string, resource: DeclaredResource, kind: ResourceKind): string {
    const path = [...resource.path, "Properties", kind.nameProperty];
    if (this.naming.includes(logicalId)) {
      throw this.error(
        path,
        `resource names refer to each other in a cycle: ${[...this.naming, logicalId].join(" → ")}`,
        "Give one of them a plain name",
      );
    }
    this.naming.push(logicalId);
    try {
      const written = resource.property(kind.nameProperty);
      if (written === undefined || written === null) {
        return kind.generatedName(this.stack.stackName, logicalId, (name) => resource.property(name));
      }
      return this.text(written, path);
    } finally {
      this.naming.pop();
    }
  }

  /** Evaluates a value that must end up as text (numbers are written as CloudFormation would). */
  private text(value: unknown, path: KeyPath): string {
    const result = this.evaluate(value, path);
    if (typeof result === "string") return result;
    if (typeof result === "number" || typeof result === "boolean") return String(result);
    throw this.error(path, `must be text, not ${describeValue(result)}`, "Give a string here");
  }

  private list(value: unknown, path: KeyPath): unknown[] {
    const result = this.evaluate(value, path);
    if (!Array.isArray(result))
      throw this.error(path, `must be a list, not ${describeValue(result)}`, "Give a list here");
    return result;
  }

  private pair(args: unknown, path: KeyPath, shape: string): [unknown, unknown] {
    if (!Array.isArray(args) || args.length !== 2)
      throw this.error(path, `expects ${shape}, got ${describeValue(args)}`, `Write it as ${shape}`);
    return [args[0], args[1]];
  }

  private error(path: KeyPath, problem: string, fix: string): ManifestError {
    return new ManifestError(this.stack.file, path, problem, fix, "LKN_ERR_MANIFEST_INTRINSIC");
  }
}
