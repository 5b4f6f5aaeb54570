/**
 * The local cloud a service's `resources` need (docs/architecture.md "The local cloud"): DynamoDB and S3, each either
 * the endpoint Lambkin was given (AWS_ENDPOINT_URL_DYNAMODB / _S3: DynamoDB Local in a container, LocalStack, …) or an
 * embedded stand-in this process starts — AWS's DynamoDB Local (Java) and an S3 server in process — with their data
 * under the state folder, so that it survives a restart. Then every declared table and bucket is created there,
 * idempotently, as CloudFormation would at deploy; queues and topics are the SQS and SNS services' own.
 *
 * A stand-in starts only when some service declares what it serves, and only where the process's role allows
 * (`lambkin dev` both; `lambkin gateway` S3, whose object events go straight into the shared queue; a worker
 * none): a Lambkin without resources costs nothing more.
 *
 * `lambkin dev`'s reload (follow()): the tables and buckets declared since — or whose declaration changed — are
 * created (or updated) with the same code as at start, one at a time so that one refused does not stop the
 * others. A resource no longer declared is kept, with its data: `serverless deploy` would delete it with the
 * stack's resource, Lambkin keeps what a developer stored. A stand-in not started at start (nothing needed it)
 * starts with the first table or bucket a reload declares; `standInStarted` then points the environments at it.
 */
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "pino";
import { coded } from "../runtime/errors/lambkin-codes.js";
import type { LoadedServices } from "../runtime/manifest/load-services.js";
import type { ServiceResource } from "../runtime/manifest/service-resources.js";
import { STAND_IN_CLIENT_CREDENTIALS } from "../runtime/sandbox/service-endpoints.js";
import { diffByKey, keyed, type SourceChanges, type SourceFailure } from "../triggers/event-source-diff.js";
import type { S3NotificationSink } from "../triggers/s3/interfaces/s3-notification-sink.js";
import { createDeclaredTables } from "./dynamodb/declared-tables.js";
import { type DynamoDbLocal, startDynamoDbLocal } from "./dynamodb/dynamodb-local.js";
import { bucketsOfS3Events, createDeclaredBuckets } from "./s3/declared-buckets.js";
import { type S3Service, startS3Service } from "./s3/s3-service.js";

export interface LocalCloudSettings {
  readonly services: LoadedServices;
  readonly stateDir: string;
  /** Where embedded stand-ins listen (the gateway's host). */
  readonly host: string;
  /** Lambkin's own environment: its AWS_ENDPOINT_URL_DYNAMODB / _S3 win over any stand-in. */
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** The stand-ins this process may start, and on which port (undefined: off). */
  readonly dynamoDbPort?: number | undefined;
  readonly s3Port?: number | undefined;
  /** Whether to create the declared tables and buckets (a worker leaves that to the gateway). */
  readonly createResources: boolean;
  /** Where the S3 stand-in's object events go (resolved per request: the sink is built after the queue). */
  readonly notifications: () => S3NotificationSink | undefined;
  /**
   * A reload's declarations started a stand-in that was not running: the environments must be pointed at it
   * (`lambkin dev` gives the runtime the new endpoints and recycles the environments started without them).
   */
  readonly standInStarted?: () => Promise<void> | void;
}

export interface LocalCloud {
  /** The DynamoDB and S3 endpoints in use, as this host reaches them (undefined: none). */
  readonly dynamodb: string | undefined;
  readonly s3: string | undefined;
  /** The environment Lambkin's own clients (stream pollers) read their endpoints from. */
  readonly env: NodeJS.ProcessEnv;
  /**
   * After a reload: creates the tables and buckets declared since (or changed). Never rejects: what fails is
   * listed (a refused declaration, or no stand-in to create it in).
   */
  follow(
    services: Pick<LoadedServices, "functions" | "resources" | "s3Notifications">,
  ): Promise<SourceChanges>;
  close(): Promise<void>;
}

export async function startLocalCloud(settings: LocalCloudSettings): Promise<LocalCloud> {
  const { services, logger, env } = settings;
  const tables = services.resources.filter((resource) => resource.type === "AWS::DynamoDB::Table");
  // Buckets `s3` events name without `existing: true` are the Framework's to create, as declared ones are.
  const eventBuckets = bucketsOfS3Events(services.functions);
  const needsS3 =
    eventBuckets.length > 0 ||
    services.resources.some((resource) => resource.type === "AWS::S3::Bucket") ||
    services.s3Notifications.length > 0;
  const region = services.functions[0]?.region ?? env.AWS_REGION ?? "us-east-1";
  let dynamoDbLocal: DynamoDbLocal | undefined;
  let s3Service: S3Service | undefined;
  const close = async () => {
    await s3Service?.close();
    await dynamoDbLocal?.close();
  };
  let dynamodb = env.AWS_ENDPOINT_URL_DYNAMODB?.trim() || undefined;
  let s3 = env.AWS_ENDPOINT_URL_S3?.trim() || undefined;
  // DynamoDB Local when a table needs it and none was given; undefined when it cannot run (said once, why).
  const startDynamoDb = async () => {
    if (dynamodb !== undefined || settings.dynamoDbPort === undefined) return;
    dynamoDbLocal = await startDynamoDbLocal({
      dataDir: join(settings.stateDir, "dynamodb"),
      host: settings.host,
      port: settings.dynamoDbPort,
      logger,
    }).catch((error: unknown) => {
      // Without Java, or with its port taken, the rest still runs (as without SMTP): say why DynamoDB is
      // missing and what to do, once; the functions that use it fail, the others do not.
      const code = (error as { code?: string }).code;
      if (code !== "LKN_ERR_DYNAMODB_JAVA_MISSING" && code !== "LKN_ERR_DYNAMODB_LOCAL_FAILED") throw error;
      logger.error({ code }, (error as Error).message);
      return undefined;
    });
    dynamodb = dynamoDbLocal?.endpoint;
    if (dynamodb)
      logger.info(`DynamoDB Local on ${dynamodb}, data in ${join(settings.stateDir, "dynamodb")}`);
  };
  const startS3 = async () => {
    if (s3 !== undefined || settings.s3Port === undefined) return;
    s3Service = await startS3Service({
      dataDir: join(settings.stateDir, "s3"),
      host: settings.host,
      port: settings.s3Port,
      logger,
      notifications: settings.notifications,
    }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      const code = "LKN_WRN_S3_PORT_IN_USE";
      logger.warn(
        { code },
        coded(
          code,
          `port ${settings.s3Port} is taken: Lambkin's S3 does not run this time, and the functions that use S3 fail (set LAMBKIN_S3_PORT to a free port, 0 for any, or AWS_ENDPOINT_URL_S3 to an S3 elsewhere)`,
        ),
      );
      return undefined;
    });
    s3 = s3Service?.endpoint;
    if (s3) logger.info(`S3 on ${s3}, objects in ${join(settings.stateDir, "s3")}`);
  };
  try {
    if (tables.length > 0) await startDynamoDb();
    if (needsS3) await startS3();
    const tablesIn = (endpoint: string, declared: readonly ServiceResource[]) =>
      withClient(
        new DynamoDBClient({ region, endpoint, credentials: STAND_IN_CLIENT_CREDENTIALS }),
        (client) => createDeclaredTables(declared, client, logger),
      );
    const bucketsIn = (endpoint: string, declared: readonly ServiceResource[], named: readonly string[]) =>
      withClient(new S3Client({ region, endpoint, credentials: STAND_IN_CLIENT_CREDENTIALS }), (client) =>
        createDeclaredBuckets(declared, client, logger, named),
      );
    if (settings.createResources) {
      if (dynamodb && tables.length > 0) await tablesIn(dynamodb, tables);
      if (s3 && needsS3) await bucketsIn(s3, services.resources, eventBuckets);
    }
    let made = new Map(keyedResources(services).map((entry) => [entry.key, entry.fingerprint]));
    const missing = tables.length > 0 && dynamodb === undefined;
    if (missing) {
      const code = "LKN_WRN_LOCAL_SERVICE_MISSING";
      logger.warn(
        { code },
        coded(
          code,
          `${tables.length} DynamoDB table(s) declared but no DynamoDB to create them in: set AWS_ENDPOINT_URL_DYNAMODB, or let Lambkin run DynamoDB Local (Java 17, LAMBKIN_DYNAMODB_PORT free and not off)`,
        ),
      );
    }
    // Live: a stand-in a reload starts adds its endpoint here, where the stream pollers' clients read it.
    const cloudEnv: NodeJS.ProcessEnv = { ...env };
    const pointEnvironment = () => {
      if (dynamodb) cloudEnv.AWS_ENDPOINT_URL_DYNAMODB = dynamodb;
      if (s3) cloudEnv.AWS_ENDPOINT_URL_S3 = s3;
    };
    pointEnvironment();
    /** A reload declared the first table or bucket: its stand-in starts now; true when one started. */
    const startFor = async (kind: "table" | "bucket"): Promise<boolean> => {
      const before = kind === "table" ? dynamodb : s3;
      if (before !== undefined) return false;
      if (kind === "table") await startDynamoDb();
      else await startS3();
      const after = kind === "table" ? dynamodb : s3;
      if (after === undefined) return false;
      pointEnvironment();
      await settings.standInStarted?.();
      return true;
    };
    return {
      get dynamodb() {
        return dynamodb;
      },
      get s3() {
        return s3;
      },
      env: cloudEnv,
      async follow(next) {
        const failures: SourceFailure[] = [];
        const wanted = keyedResources(next);
        const diff = diffByKey(made, wanted);
        const now = new Map(made);
        for (const key of diff.removed) now.delete(key); // kept, with its data: see the header
        let added = 0;
        for (const entry of [...diff.added, ...diff.changed]) {
          const { kind, name, resource } = entry.declaration;
          try {
            await startFor(kind);
            const endpoint = kind === "table" ? dynamodb : s3;
            if (endpoint === undefined) throw noStandIn(kind);
            if (kind === "table" && resource) await tablesIn(endpoint, [resource]);
            else await bucketsIn(endpoint, resource ? [resource] : [], resource ? [] : [name]);
            now.set(entry.key, entry.fingerprint);
            added++;
          } catch (error) {
            failures.push({ source: `${kind} ${name}`, error });
          }
        }
        made = now;
        return { added, removed: diff.removed.length, restarted: 0, failures };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function withClient<C extends { destroy(): void }, T>(
  client: C,
  use: (client: C) => Promise<T>,
): Promise<T> {
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

interface DeclaredResource {
  readonly kind: "table" | "bucket";
  readonly name: string;
  /** Undefined for a bucket only an `s3` event names. */
  readonly resource: ServiceResource | undefined;
}

/** Tables and buckets by name, their properties as settings; the buckets `s3` events name, by name alone. */
function keyedResources(services: Pick<LoadedServices, "functions" | "resources">) {
  const declared: DeclaredResource[] = [];
  for (const resource of services.resources) {
    if (resource.type === "AWS::DynamoDB::Table")
      declared.push({ kind: "table", name: resource.name, resource });
    if (resource.type === "AWS::S3::Bucket") declared.push({ kind: "bucket", name: resource.name, resource });
  }
  const bucketNames = new Set(declared.filter((entry) => entry.kind === "bucket").map((entry) => entry.name));
  for (const name of bucketsOfS3Events(services.functions))
    if (!bucketNames.has(name)) declared.push({ kind: "bucket", name, resource: undefined });
  return keyed(
    declared,
    (entry) => `${entry.kind} ${entry.name}`,
    (entry) => entry.resource?.properties ?? {},
  );
}

function noStandIn(kind: "table" | "bucket"): Error {
  return kind === "table"
    ? new Error(
        "no DynamoDB runs in this lambkin dev (DynamoDB Local could not start, or LAMBKIN_DYNAMODB_PORT is off): set AWS_ENDPOINT_URL_DYNAMODB, or fix what the error above says",
      )
    : new Error(
        "no S3 runs in this lambkin dev (Lambkin's S3 could not start, or LAMBKIN_S3_PORT is off): set AWS_ENDPOINT_URL_S3, or fix what the warning above says",
      );
}
