/**
 * The SNS API on the gateway's port: requests whose SigV4 credential scope names `sns`
 * (aws-protocols/aws-service-router.ts) are served here, in the query protocol, by the SnsService.
 */

import type { SnsService } from "../../triggers/sns/sns-service.js";
import type { AwsServiceDefinition, AwsServiceRoute } from "../aws-protocols/index.js";
import { handleSnsAction, SNS_ACTIONS, SNS_NAMESPACE } from "./sns-query-actions.js";

/**
 * Form bodies: a 256 KB message percent-encodes to at most three times its bytes, plus attributes and a batch's
 * other entries' parameters. Beyond this, 413 before the body is read whole.
 */
export const SNS_BODY_LIMIT = 1_048_576 + 262_144;

export const SNS_ROUTE: AwsServiceRoute = { service: "sns" };

export function snsServiceDefinition(service: SnsService): AwsServiceDefinition {
  return {
    service: "sns",
    bodyLimit: SNS_BODY_LIMIT,
    query: {
      namespace: SNS_NAMESPACE,
      actions: SNS_ACTIONS,
      handle: (action, parameters) => handleSnsAction(service, action, parameters),
    },
  };
}
