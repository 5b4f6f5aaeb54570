/**
 * `GET /_lambkin/endpoints`: the endpoint URL of every AWS API Lambkin serves or uses, so that scripts and
 * unchanged SDK code (which reads `AWS_ENDPOINT_URL_<SERVICE>`,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html) find them; `lambkin env` prints
 * them as shell exports. `lambda`, `sqs` and `sns` are this gateway itself, at the address the client reached it
 * by (its Host header), since one port serves all three; `dynamodb`, `kinesis` and `s3` are the endpoints
 * Lambkin was given (AWS_ENDPOINT_URL_DYNAMODB / _KINESIS / _S3, or the local services it started), `null`
 * when it has none.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";

export interface UsedEndpoints {
  readonly dynamodb?: string | undefined;
  readonly kinesis?: string | undefined;
  readonly s3?: string | undefined;
}

export interface EndpointsDocument {
  readonly lambda: string;
  readonly sqs: string;
  readonly sns: string;
  readonly dynamodb: string | null;
  readonly kinesis: string | null;
  readonly s3: string | null;
}

/** The endpoints a Lambkin process uses, from its environment. */
export function usedEndpointsFromEnvironment(env: NodeJS.ProcessEnv = process.env): UsedEndpoints {
  return {
    dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB || undefined,
    kinesis: env.AWS_ENDPOINT_URL_KINESIS || undefined,
    s3: env.AWS_ENDPOINT_URL_S3 || undefined,
  };
}

export function registerEndpointsRoute(api: FastifyInstance, used: () => UsedEndpoints): void {
  api.get("/endpoints", async (request) => {
    const self = selfUrl(request);
    const { dynamodb, kinesis, s3 } = used();
    const document: EndpointsDocument = {
      lambda: self,
      sqs: self,
      sns: self,
      dynamodb: dynamodb ?? null,
      kinesis: kinesis ?? null,
      s3: s3 ?? null,
    };
    return document;
  });
}

/** The gateway's URL as this client reached it; a Host header that is not a host[:port] falls back to the socket's. */
function selfUrl(request: FastifyRequest): string {
  const host = request.headers.host;
  if (typeof host === "string" && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host))
    return `${request.protocol}://${host}`;
  const address = request.socket.localAddress ?? "127.0.0.1";
  const shown = address.includes(":") ? `[${address}]` : address;
  return `${request.protocol}://${shown}:${request.socket.localPort}`;
}
