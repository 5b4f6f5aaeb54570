/**
 * YAML tags for CloudFormation's short-form intrinsic functions (`!Ref`, `!GetAtt`, `!Sub` …).
 * serverless.yml files use them under `resources:` and in `environment:`; the Serverless Framework parses them
 * into the long form (`{ Ref: X }`, `{ "Fn::GetAtt": [X, Arn] }`) before anything else sees the document, and so
 * do we: after parsing, only the long form exists.
 */
import type { Tags } from "yaml";

/** Short-form tag → long-form key, from the CloudFormation intrinsic function reference. */
const SHORT_FORMS: Readonly<Record<string, string>> = {
  Ref: "Ref",
  Condition: "Condition",
  GetAtt: "Fn::GetAtt",
  Sub: "Fn::Sub",
  Join: "Fn::Join",
  Select: "Fn::Select",
  Split: "Fn::Split",
  If: "Fn::If",
  Equals: "Fn::Equals",
  Not: "Fn::Not",
  And: "Fn::And",
  Or: "Fn::Or",
  ImportValue: "Fn::ImportValue",
  FindInMap: "Fn::FindInMap",
  GetAZs: "Fn::GetAZs",
  Base64: "Fn::Base64",
  Cidr: "Fn::Cidr",
  Transform: "Fn::Transform",
  Length: "Fn::Length",
  ToJsonString: "Fn::ToJsonString",
};

/** `!GetAtt Table.Arn` is short for `[Table, Arn]`; the attribute may itself hold dots (`Endpoint.Address`). */
function getAttScalar(value: string): string[] {
  const dot = value.indexOf(".");
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

/** Each tag may be written on a scalar, a sequence or a mapping; all three are accepted. */
export const cloudFormationTags: Tags = Object.entries(SHORT_FORMS).flatMap(([short, long]) => {
  const tag = `!${short}`;
  return [
    { tag, resolve: (value: string) => ({ [long]: short === "GetAtt" ? getAttScalar(value) : value }) },
    {
      tag,
      collection: "seq" as const,
      resolve: (node: { toJSON(): unknown }) => ({ [long]: node.toJSON() }),
    },
    {
      tag,
      collection: "map" as const,
      resolve: (node: { toJSON(): unknown }) => ({ [long]: node.toJSON() }),
    },
  ];
});
