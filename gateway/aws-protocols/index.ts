/**
 * The wire layer shared by the AWS services Lambkin serves on the gateway's port (SQS, SNS): which service a
 * request is for, SigV4 with its scope, the JSON 1.0 and query protocols, XML answers and AWS's error shapes.
 */
export * from "./aws-error.js";
export * from "./aws-service-plugin.js";
export * from "./aws-service-router.js";
export * from "./credential-scope.js";
export * from "./json-protocol.js";
export * from "./query-form.js";
export * from "./query-protocol.js";
export * from "./query-structures.js";
export * from "./xml-writer.js";
