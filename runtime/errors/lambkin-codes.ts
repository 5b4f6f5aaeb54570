/**
 * The catalogue of Lambkin's OWN errors and warnings, one stable code each (as fastify's
 * `FST_ERR_*` / `FSTWRN*`). A code is an interface: people grep logs and scripts match on it, so a
 * code is never renamed or reused; a retired one stays listed as retired. `docs/codes.md` documents
 * every code, and a test checks that the two lists agree.
 *
 * AWS's own error types (`Runtime.ExitError`, `ResourceNotFoundException`, …) are NOT in here: they
 * are what Lambda reports and Lambkin reproduces them verbatim. These codes are for what only
 * Lambkin says: a manifest it refuses, a host it cannot isolate on, a setting it does not reproduce.
 *
 * Naming: `LKN_ERR_<AREA>_<WHAT>` for errors (something refused or failed), `LKN_WRN_<AREA>_<WHAT>`
 * for warnings (Lambkin goes on, but behaves differently from AWS or from what was asked).
 */

export interface CodeEntry {
  readonly kind: "error" | "warning";
  /** One sentence: when this code appears. */
  readonly summary: string;
}

export const LAMBKIN_CODES = {
  LKN_ERR_MANIFEST_INVALID: {
    kind: "error",
    summary: "A serverless.yml cannot be loaded: the message names the file, the key path and the fix.",
  },
  LKN_ERR_MANIFEST_NOT_FOUND: {
    kind: "error",
    summary: "The service folder, or its serverless.yml, does not exist or cannot be read.",
  },
  LKN_ERR_MANIFEST_FORMAT: {
    kind: "error",
    summary: "The service is configured in serverless.json/.js/.ts: Lambkin reads serverless.yml only.",
  },
  LKN_ERR_MANIFEST_YAML: {
    kind: "error",
    summary: "The serverless.yml is not valid YAML, or is not a mapping of keys.",
  },
  LKN_ERR_MANIFEST_LIMIT: {
    kind: "error",
    summary:
      "The serverless.yml exceeds a bound that protects Lambkin (file size, aliases, resolved size, nesting, resolution time).",
  },
  LKN_ERR_MANIFEST_VARIABLE: {
    kind: "error",
    summary:
      "A Serverless Framework variable (self:, env:, opt: …) cannot be resolved: no value, unsupported source, bad syntax or a cycle.",
  },
  LKN_ERR_MANIFEST_INTRINSIC: {
    kind: "error",
    summary: "A CloudFormation intrinsic function (!Ref, !GetAtt, !Sub …) cannot be computed locally.",
  },
  LKN_ERR_MANIFEST_RUNTIME_UNSUPPORTED: {
    kind: "error",
    summary: "A function's runtime is deprecated on AWS or not one Lambkin runs.",
  },
  LKN_ERR_MANIFEST_HANDLER_OUTSIDE_SERVICE: {
    kind: "error",
    summary:
      "A function's handler module is an absolute path, or resolves (through a symlink) outside its service folder.",
  },
  LKN_ERR_MANIFEST_BOOTSTRAP: {
    kind: "error",
    summary: "A custom-runtime (provided.*) service has no executable bootstrap file.",
  },
  LKN_ERR_MANIFEST_EVENT: {
    kind: "error",
    summary: "A function's events list, or one http/httpApi event, is malformed.",
  },
  LKN_ERR_MANIFEST_SCHEDULE: {
    kind: "error",
    summary:
      "A schedule event's rate/cron expression, or one of its settings (input, inputPath, inputTransformer, name …), is one AWS would refuse.",
  },
  LKN_ERR_MANIFEST_DUPLICATE_NAME: {
    kind: "error",
    summary: "Two functions (possibly in two services) have the same Lambda function name.",
  },
  LKN_ERR_MANIFEST_DUPLICATE_ROUTE: {
    kind: "error",
    summary: "One API declares the same method and path twice.",
  },
  LKN_WRN_MANIFEST_UNSUPPORTED: {
    kind: "warning",
    summary: "A serverless.yml setting changes how code runs on AWS, and Lambkin does not reproduce it yet.",
  },
  LKN_WRN_GATEWAY_SLOW_CLIENT: {
    kind: "warning",
    summary:
      "A client did not send its whole request within LAMBKIN_HEADERS_TIMEOUT_MS / LAMBKIN_REQUEST_TIMEOUT_MS: its connection was closed.",
  },
  LKN_WRN_SHUTDOWN_CONNECTIONS_CUT: {
    kind: "warning",
    summary:
      "At shutdown, client connections still open once the invocations in flight had finished (a slow or stalled client) were cut.",
  },
  LKN_WRN_SHUTDOWN_INVOCATIONS_CUT: {
    kind: "warning",
    summary:
      "At shutdown, invocations still running past the longest function timeout were cut when their environments were stopped.",
  },
  LKN_WRN_SHUTDOWN_FORCED: {
    kind: "warning",
    summary:
      "A second SIGINT/SIGTERM arrived during shutdown: Lambkin stops every environment and exits at once, ending the invocations still running.",
  },
  LKN_WRN_MANIFEST_ARCHITECTURE: {
    kind: "warning",
    summary: "An architecture that is not x86_64 or arm64: the function runs on the host's architecture.",
  },
  LKN_WRN_MANIFEST_YAML: {
    kind: "warning",
    summary: "The YAML parser warns (e.g. an unknown !Tag, whose value is read as if it had no tag).",
  },
  LKN_WRN_MANIFEST_FILE_IGNORED: {
    kind: "warning",
    summary:
      "A configuration file is not read: serverless.yaml beside serverless.yml, or serverless.json/.js/.ts.",
  },
  LKN_WRN_MANIFEST_HANDLER_MALFORMED: {
    kind: "warning",
    summary: "A Node.js handler is not path/file.export (or contains ..): every invocation will fail.",
  },
  LKN_WRN_MANIFEST_EVENT_UNSUPPORTED: {
    kind: "warning",
    summary: "An event type Lambkin does not handle (sns, eventBridge, websocket …): it never fires locally.",
  },
  LKN_WRN_MANIFEST_EVENT_NOT_FIRED: {
    kind: "warning",
    summary: "A schedule/sqs/s3/stream event is accepted, but nothing fires it in this version of Lambkin.",
  },
  LKN_WRN_MANIFEST_INTRINSIC: {
    kind: "warning",
    summary:
      "An intrinsic function inside an event cannot be computed: the event keeps the value as written.",
  },
  LKN_WRN_GATEWAY_ROUTE_UNENFORCED: {
    kind: "warning",
    summary:
      "A route's authorizer, API key (private) or request validation is not enforced: every request reaches the function.",
  },
  LKN_WRN_GATEWAY_ROUTE_NOT_SERVED: {
    kind: "warning",
    summary: "An http event with a non-proxy integration or async: true: the route is not served.",
  },
  LKN_WRN_GATEWAY_ROUTE_SHADOWED: {
    kind: "warning",
    summary: "The same route is declared by two APIs: on one port, the first one loaded serves it.",
  },
  LKN_WRN_GATEWAY_ROUTE_RESERVED: {
    kind: "warning",
    summary:
      "A route's path is under /_lambkin, which Lambkin's own HTTP API serves: the function is never reached on it.",
  },
  LKN_WRN_SITE_NOT_SERVED: {
    kind: "warning",
    summary:
      "A service's serverless-finch site is not served (no custom.client, or a distribution folder outside the service), or its folder does not exist yet.",
  },
  LKN_WRN_SITE_CONFLICT: {
    kind: "warning",
    summary: "Two services declare a static site: the gateway's / serves the first one loaded.",
  },
  LKN_ERR_ADMIN_REQUEST_INVALID: {
    kind: "error",
    summary:
      "A request to Lambkin's HTTP API (/_lambkin) is malformed: a bad id, limit or function filter, an unknown parameter, a body.",
  },
  LKN_ERR_ADMIN_UNAUTHENTICATED: {
    kind: "error",
    summary:
      "LAMBKIN_ACCESS_KEYS is set and a request to Lambkin's HTTP API (/_lambkin) has no valid SigV4 signature from one of them.",
  },
  LKN_ERR_ADMIN_NOT_FOUND: {
    kind: "error",
    summary: "Lambkin's HTTP API (/_lambkin) serves no such path or method.",
  },
  LKN_ERR_ADMIN_FAILED: {
    kind: "error",
    summary: "Lambkin's HTTP API (/_lambkin) failed to serve a request (a bug: the log has the details).",
  },
  LKN_WRN_INVOKE_ASYNC_NOT_RETRIED: {
    kind: "warning",
    summary:
      "Retired: asynchronous invocations are queued and retried now (the LKN_*_ASYNC_* codes replace it).",
  },
  LKN_WRN_DEV_NO_ACCESS_KEYS: {
    kind: "warning",
    summary:
      "No LAMBKIN_ACCESS_KEYS: the Invoke API accepts every request without checking SigV4 signatures.",
  },
  LKN_ERR_CLI_USAGE: {
    kind: "error",
    summary:
      "The lambkin command was called wrongly (unknown option, conflicting or invalid flags, unreadable event file).",
  },
  LKN_ERR_CLI_LISTEN: {
    kind: "error",
    summary:
      "lambkin dev cannot listen on the host and port asked for (in use, or not an address of this machine).",
  },
  LKN_ERR_EVENTS_ENDPOINT: {
    kind: "error",
    summary:
      "lambkin events cannot use the Lambkin it was sent to over HTTP: unreachable, or its answer is not Lambkin's JSON.",
  },
  LKN_ERR_CONFIG_INVALID: {
    kind: "error",
    summary: "A LAMBKIN_* environment setting has a value Lambkin cannot use.",
  },
  LKN_ERR_CONFIG_CONCURRENCY: {
    kind: "error",
    summary: "reservedConcurrency adds up to more than the account concurrency allows to reserve.",
  },
  LKN_ERR_CONCURRENCY_UNAVAILABLE: {
    kind: "error",
    summary:
      "The Redis store of the cluster-wide concurrency caps cannot be reached or did not answer: the invocation is refused (ServiceException), never run uncounted.",
  },
  LKN_WRN_CONCURRENCY_LEASE_UPDATE_FAILED: {
    kind: "warning",
    summary:
      "Renewing or releasing concurrency leases in Redis failed: a released unit frees only when its lease expires, a running one is counted again at the next renewal.",
  },
  LKN_ERR_DOCKER_ENGINE_UNAVAILABLE: {
    kind: "error",
    summary: "The docker sandbox cannot reach the Docker engine (Sandbox.EngineUnavailable).",
  },
  LKN_ERR_DOCKER_ENGINE_FAILED: {
    kind: "error",
    summary: "The Docker engine refused or failed an operation of the docker sandbox (Sandbox.EngineError).",
  },
  LKN_ERR_DOCKER_IMAGE_MISSING: {
    kind: "error",
    summary: "A Lambkin runtime image is not built (Sandbox.ImageNotFound): run lambkin images build.",
  },
  LKN_ERR_DOCKER_FUNCTION_IMAGE_MISSING: {
    kind: "error",
    summary: "A container-image function's image is not in the Docker engine (Sandbox.ImageNotFound).",
  },
  LKN_ERR_DOCKER_IMAGE_OUTDATED: {
    kind: "error",
    summary: "A runtime image was built from another version of Lambkin (Sandbox.ImageOutdated).",
  },
  LKN_ERR_DOCKER_CODE_NOT_SHARED: {
    kind: "error",
    summary:
      "Lambkin runs in a container of the Docker engine and a function's code is not on a mount of that container, so the engine cannot mount it (Sandbox.CodeNotShared).",
  },
  LKN_WRN_DOCKER_OUTPUT_DRAIN_TIMED: {
    kind: "warning",
    summary:
      "This host cannot read a container's TCP table (/proc/<pid>/net/tcp: a remote DOCKER_HOST, no permission): an invocation's END waits for quiet output instead of counting its bytes.",
  },
  LKN_ERR_IMAGES_BUILD_FAILED: {
    kind: "error",
    summary: "lambkin images build could not build a runtime image.",
  },
  LKN_ERR_IMAGES_BOOTSTRAP_NOT_BUILT: {
    kind: "error",
    summary: "The Node bootstrap an image needs is not compiled: run npm run build first.",
  },
  LKN_WRN_SANDBOX_PROCESS_UNISOLATED: {
    kind: "warning",
    summary:
      "The process sandbox runs functions unisolated on this host (not root, no bubblewrap, or LAMBKIN_PROCESS_ISOLATION=off): it is not a security boundary.",
  },
  LKN_ERR_SANDBOX_ISOLATION_UNAVAILABLE: {
    kind: "error",
    summary:
      "LAMBKIN_PROCESS_ISOLATION=on, but this host cannot isolate the process sandbox; the message says why.",
  },
  LKN_ERR_SANDBOX_CODE_UNREADABLE: {
    kind: "error",
    summary:
      "An isolated environment cannot read its function's code (a folder not 755, a bootstrap not executable by others): the invocation fails at init.",
  },
  LKN_ERR_QUEUE_UNAVAILABLE: {
    kind: "error",
    summary:
      "The job queue cannot store a job now (Redis unreachable or not answering, the state folder unwritable): the job was not stored.",
  },
  LKN_ERR_QUEUE_STATE_LOCKED: {
    kind: "error",
    summary: "Another Lambkin process already uses the embedded queue of this state folder.",
  },
  LKN_ERR_QUEUE_JOB_INVALID: {
    kind: "error",
    summary:
      "A job given to the queue is not a valid queued invocation (a field missing, a payload over 1 MB…).",
  },
  LKN_ERR_QUEUE_JOB_MALFORMED: {
    kind: "error",
    summary:
      "A job read back from the queue cannot be read (not JSON, an unknown version, a bad field): it is dead-lettered with condition MalformedJob.",
  },
  LKN_ERR_QUEUE_DEAD_LETTER_NOT_FOUND: {
    kind: "error",
    summary: "No dead letter has the id given to show, redrive or purge.",
  },
  LKN_WRN_QUEUE_HANDLER_FAILED: {
    kind: "warning",
    summary:
      "A queue consumer's handler threw instead of returning an outcome: the job is postponed, not lost.",
  },
  LKN_WRN_QUEUE_BACKEND: {
    kind: "warning",
    summary:
      "The queue's backend reported trouble (Redis connection lost, a command failed); the queue retries by itself.",
  },
  // ---- SQS message store (triggers/sqs/) ----
  LKN_ERR_SQS_STORE_UNAVAILABLE: {
    kind: "error",
    summary:
      "The SQS message store cannot answer now (Redis unreachable, the store closed): the request had no effect; SQS clients get ServiceUnavailable (503).",
  },
  // ---- SQS API on the gateway's port (gateway/sqs-api/) ----
  LKN_ERR_SQS_API_NO_STORE: {
    kind: "error",
    summary:
      "An SQS API request reached a gateway started without an SQS store: it is answered ServiceUnavailable (503) and has no effect.",
  },
  // ---- Local mail service (services/mail/) ----
  LKN_ERR_MAIL_NOT_FOUND: {
    kind: "error",
    summary: "GET /_lambkin/mail/{id}/raw names no message the local mail service kept.",
  },
  LKN_WRN_MAIL_PORT_IN_USE: {
    kind: "warning",
    summary:
      "The local mail service's SMTP port is taken: lambkin dev runs without it (set LAMBKIN_SMTP_PORT).",
  },
  // ---- Resources declared under `resources:` and created locally (services/, triggers/) ----
  LKN_ERR_RESOURCE_INVALID: {
    kind: "error",
    summary:
      "A resource of serverless.yml cannot be created locally: its properties are malformed, or the local service refuses them (DynamoDB's ValidationException); the message names the file and key path.",
  },
  LKN_WRN_RESOURCE_TYPE_NOT_CREATED: {
    kind: "warning",
    summary:
      "A resource under resources.Resources is of a type Lambkin does not create locally: the message names it, its key path and what to do.",
  },
  LKN_WRN_RESOURCE_PROPERTY_IGNORED: {
    kind: "warning",
    summary:
      "A declared resource's property is one Lambkin does not reproduce locally (encryption, backups, tags, deletion protection …): the resource is created without it.",
  },
  LKN_WRN_S3_PORT_IN_USE: {
    kind: "warning",
    summary: "Lambkin's S3 port (LAMBKIN_S3_PORT) is taken: it runs without its S3 this time.",
  },
  LKN_WRN_LOCAL_SERVICE_MISSING: {
    kind: "warning",
    summary:
      "DynamoDB tables are declared but there is no DynamoDB to create them in (no AWS_ENDPOINT_URL_DYNAMODB, DynamoDB Local could not run).",
  },
  // ---- Local DynamoDB (services/dynamodb/) ----
  LKN_ERR_DYNAMODB_JAVA_MISSING: {
    kind: "error",
    summary:
      "DynamoDB Local needs Java 17 or later, and none was found (no java on PATH, the configured java missing, or too old).",
  },
  LKN_ERR_DYNAMODB_LOCAL_FAILED: {
    kind: "error",
    summary:
      "DynamoDB Local exited, or did not answer within 60 s, while starting (or exited later): the message ends with its output.",
  },
  LKN_WRN_DYNAMODB_LISTENS_EVERYWHERE: {
    kind: "warning",
    summary:
      "This Java cannot run DynamoDB Local bound to one address (no jdk.compiler module): it listens on every interface of the machine.",
  },
  LKN_WRN_DYNAMODB_TABLE_MISMATCH: {
    kind: "warning",
    summary:
      "A declared table already exists locally with another key schema, indexes, stream view type or TTL attribute: the existing table is kept as it is.",
  },
  // ---- SQS event source mappings (triggers/sqs/event-source/) ----
  LKN_WRN_SQS_QUEUE_MISSING: {
    kind: "warning",
    summary:
      "A function's sqs event names a queue that does not exist: nothing is polled until it is created.",
  },
  LKN_WRN_SQS_VISIBILITY_TIMEOUT: {
    kind: "warning",
    summary:
      "A polled queue's visibility timeout is shorter than its function's timeout: Lambda refuses the mapping, Lambkin polls it and says so.",
  },
  LKN_WRN_SQS_POLL_FAILED: {
    kind: "warning",
    summary:
      "Polling an SQS queue for a function failed (store unavailable, …); the poller backs off and retries.",
  },
  // ---- SNS topics and subscriptions (triggers/sns/) ----
  LKN_ERR_SNS_STORE_UNAVAILABLE: {
    kind: "error",
    summary:
      "The SNS topic store cannot answer now (Redis unreachable, the store closed): the request had no effect; SNS clients get InternalError (500).",
  },
  LKN_ERR_SNS_TOPICS_INVALID: {
    kind: "error",
    summary:
      "A topic or subscription of serverless.yml cannot be created (a bad topic name, an endpoint that is no function or queue ARN): Lambkin does not start.",
  },
  LKN_WRN_SNS_DELIVERY_FAILED: {
    kind: "warning",
    summary:
      "A published message could not be delivered to one subscription (its queue or function does not exist, the queue refused it): that delivery is dropped, as SNS drops it once its retries are over without a redrive policy.",
  },
  LKN_WRN_SNS_EMAIL_NOT_DELIVERED: {
    kind: "warning",
    summary:
      "An email / email-json subscription is kept (PendingConfirmation) but Lambkin delivers no mail yet: messages to it are dropped.",
  },
  LKN_ERR_ASYNC_NOT_QUEUED: {
    kind: "error",
    summary:
      "An Event invocation could not be stored in the queue: it was not accepted (500 ServiceException, never a 202).",
  },
  LKN_ERR_ASYNC_FUNCTION_NOT_FOUND: {
    kind: "error",
    summary:
      "A queued event names a function that is not loaded (removed from serverless.yml): it is dead-lettered, not run.",
  },
  LKN_WRN_ASYNC_EVENT_FAILED: {
    kind: "warning",
    summary:
      "An asynchronous event failed for good (RetriesExhausted, EventAgeExceeded) and went to its onFailure destination or DLQ.",
  },
  LKN_WRN_ASYNC_EVENT_DEAD_LETTERED: {
    kind: "warning",
    summary:
      "An asynchronous event failed for good and had no destination that could take it: kept as a dead letter (lambkin events).",
  },
  LKN_WRN_ASYNC_DESTINATION_FAILED: {
    kind: "warning",
    summary:
      "A successful event's onSuccess record could not be delivered (the destination does not exist or is not served).",
  },
  LKN_ERR_CLUSTER_REDIS_REQUIRED: {
    kind: "error",
    summary:
      "`lambkin gateway` or `lambkin worker` was started without REDIS_URL: the processes of a cluster meet only through Redis.",
  },
  LKN_ERR_CLUSTER_REDIS_UNAVAILABLE: {
    kind: "error",
    summary:
      "The sync-invocation channel cannot reach Redis: a gateway cannot start, or a synchronous call was not handed to a worker (500 ServiceException).",
  },
  LKN_ERR_CLUSTER_NO_WORKER: {
    kind: "error",
    summary:
      "No worker took a synchronous invocation by its deadline (none running on this Redis and prefix, or all busy): 500 ServiceException; it was not run.",
  },
  LKN_ERR_CLUSTER_NO_REPLY: {
    kind: "error",
    summary:
      "A worker took a synchronous invocation but its answer never came (it stopped, or the reply was lost or unreadable): 500 ServiceException.",
  },
  LKN_WRN_CLUSTER_REQUEST_MALFORMED: {
    kind: "warning",
    summary:
      "A worker read a synchronous request from Redis that is not a valid envelope: reported, answered ServiceException when its caller can be told, skipped.",
  },
  LKN_WRN_CLUSTER_REQUEST_EXPIRED: {
    kind: "warning",
    summary:
      "A worker took a synchronous request after its deadline (its caller was answered already): it is not run.",
  },
  LKN_WRN_CLUSTER_REPLY_MALFORMED: {
    kind: "warning",
    summary:
      "A gateway received a reply it cannot read on its reply channel: the call it names is answered ServiceException.",
  },
  LKN_WRN_CLUSTER_REPLY_UNDELIVERED: {
    kind: "warning",
    summary:
      "A worker could not deliver a synchronous invocation's result: its gateway stopped listening, or Redis failed the publish.",
  },
  LKN_WRN_CLUSTER_REDIS_TROUBLE: {
    kind: "warning",
    summary:
      "A worker cannot take synchronous requests from Redis for now (connection lost); it retries by itself.",
  },
  LKN_ERR_SCHEDULE_UNAVAILABLE: {
    kind: "error",
    summary:
      "The schedule runner cannot declare its rules (Redis unreachable or not answering, the runner closed): nothing fires from it.",
  },
  LKN_WRN_SCHEDULE_TICK_DROPPED: {
    kind: "warning",
    summary:
      "A schedule's tick was seen more than a minute after its firing time (Redis or every runner was down) and is not replayed, as on EventBridge.",
  },
  LKN_WRN_SCHEDULE_TICK_FAILED: {
    kind: "warning",
    summary:
      "Handling a schedule's tick failed (its event could not be queued): that tick is lost; the schedule goes on.",
  },
  LKN_WRN_SCHEDULE_BACKEND: {
    kind: "warning",
    summary:
      "The schedule runner's Redis reported trouble (connection lost, a command failed); it reconnects by itself.",
  },
  // ---- Lambkin's S3 (services/s3/) ----
  LKN_ERR_S3_EVENTS_NOT_QUEUED: {
    kind: "error",
    summary:
      "An object was stored in Lambkin's S3 but the events it caused could not all be queued: the client is answered 503 ServiceUnavailable, and its retry makes the events again.",
  },
  LKN_ERR_S3_BUCKET_NOT_CREATED: {
    kind: "error",
    summary:
      "A bucket serverless.yml declares (or its CORS rules) could not be created in S3: the S3 refused or did not answer.",
  },
  LKN_WRN_S3_NOTIFICATION_NOT_DELIVERED: {
    kind: "warning",
    summary:
      "A bucket's NotificationConfiguration targets what Lambkin does not deliver to (an SQS queue, an SNS topic, EventBridge, a function it has not loaded): those events go nowhere.",
  },
  // ---- Stream event source mappings: DynamoDB Streams and Kinesis (triggers/streams/) ----
  LKN_WRN_STREAM_SOURCE_WAITING: {
    kind: "warning",
    summary:
      "A stream mapping cannot start reading yet (the table does not exist at the endpoint, has no stream, or the stream cannot be listed): Lambkin looks again every few seconds.",
  },
  LKN_WRN_STREAM_READ_FAILED: {
    kind: "warning",
    summary:
      "Reading a stream's shard failed (the endpoint unreachable, an unexpected error): the shard's poller backs off and reads again from its checkpoint; nothing is skipped.",
  },
  LKN_WRN_STREAM_BATCH_DISCARDED: {
    kind: "warning",
    summary:
      "A stream batch was given up (retries exhausted or its records older than maximumRecordAgeInSeconds): its records are skipped, and its metadata goes to the onFailure destination when there is one.",
  },
  LKN_WRN_STREAM_ONFAILURE_UNDELIVERED: {
    kind: "warning",
    summary:
      "The onFailure record of a discarded stream batch could not be delivered to its destination: the records' metadata is lost (the records themselves stay in the stream until it trims them).",
  },
  LKN_WRN_STREAM_CHECKPOINTS_UNAVAILABLE: {
    kind: "warning",
    summary:
      "The stream checkpoint store (Redis or the embedded database) cannot be read or written now: the pollers wait and try again; no checkpoint moves meanwhile.",
  },
  // Stages and configuration (.env files, ${file(…)}, ${ssm:…}, ${cf:…}: runtime/manifest/variable-*.ts).
  LKN_ERR_MANIFEST_DOTENV: {
    kind: "error",
    summary:
      "With useDotenv: true, a service's .env or .env.<stage> file cannot be read, or provider.stage depends on a variable that file sets.",
  },
  LKN_ERR_MANIFEST_FILE_SOURCE: {
    kind: "error",
    summary:
      "A file(…) variable cannot be resolved: the file is missing (no default), not a regular file, too large, not valid YAML/JSON, a .js file that fails or does not finish, or the key is not in it.",
  },
  LKN_ERR_MANIFEST_SSM_PARAMETER: {
    kind: "error",
    summary:
      "An ssm:… variable names a parameter that the service's local parameter file (lambkin-parameters.yml) does not hold, and it has no default.",
  },
  LKN_ERR_MANIFEST_CF_OUTPUT: {
    kind: "error",
    summary:
      "A cf:stack.output variable names a stack output that the service's local parameter file (lambkin-parameters.yml) does not hold, and it has no default.",
  },
  LKN_ERR_MANIFEST_PARAMETERS_FILE: {
    kind: "error",
    summary: "A service's lambkin-parameters.yml is not shaped as Lambkin reads it (ssm: and cf: mappings).",
  },
  LKN_WRN_STAND_IN_PORT_MOVED: {
    kind: "warning",
    summary:
      "A local stand-in's default port (SMTP 1025, DynamoDB Local 8000, S3 4569) is taken — by another Lambkin, e.g. another stage — so this one's stand-in takes a free port.",
  },
  // ---- Invocation logs (runtime/logs/, GET /_lambkin/logs, lambkin logs) ----
  LKN_ERR_LOGS_UNAVAILABLE: {
    kind: "error",
    summary:
      "GET /_lambkin/logs (lambkin logs) asked a gateway that keeps no invocation logs (it runs no function and receives none from workers).",
  },
  LKN_ERR_LOGS_FUNCTION_NOT_FOUND: {
    kind: "error",
    summary: "GET /_lambkin/logs?function= (lambkin logs <function>) names no function of this Lambkin.",
  },
  LKN_ERR_LOGS_STREAM_LOST: {
    kind: "error",
    summary: "lambkin logs --follow lost its stream: the running Lambkin stopped or the connection broke.",
  },
  // Debugging (`lambkin dev --inspect`).
  LKN_ERR_CONFIG_INSPECT_FUNCTION: {
    kind: "error",
    summary:
      "`--inspect=NAME` names no function of the deployment (neither its name nor its serverless.yml key).",
  },
  LKN_ERR_CONFIG_INSPECT_PORT: {
    kind: "error",
    summary:
      "The inspector's base port (`--inspect-port`, LAMBKIN_INSPECT_PORT) is not a port from 1024 to 65535, leaves no room for every function, or was given without `--inspect`.",
  },
  LKN_WRN_INSPECT_RUNTIME_NOT_NODE: {
    kind: "warning",
    summary: "`--inspect` names a function of a runtime other than Node: it runs without a debugger.",
  },
  LKN_WRN_INSPECT_NEEDS_PROCESS_SANDBOX: {
    kind: "warning",
    summary:
      "`--inspect` names a function that runs in a container (an image function, or LAMBKIN_SANDBOX=docker): it runs without a debugger.",
  },
  LKN_WRN_INSPECT_MANAGED_INSTANCES: {
    kind: "warning",
    summary:
      "`--inspect` names a function on Lambda Managed Instances (`capacityProvider`), whose environments run several invocations at once: it runs without a debugger.",
  },
  LKN_WRN_SCALING_MIN_CAPPED: {
    kind: "warning",
    summary:
      "A Managed Instances function's `scaling.min` asks for more environments than the account's concurrency could ever keep busy: only those are started ahead.",
  },
  LKN_WRN_INSPECT_PORT_TAKEN: {
    kind: "warning",
    summary:
      "An inspected function's own inspector port is taken by another program: its environment's inspector listens on the next free port, printed.",
  },
  // ---- hot reload (`lambkin dev`, cli/dev/) ----
  LKN_ERR_RELOAD_SYNTAX: {
    kind: "error",
    summary:
      "A saved source file of a service does not parse: Lambkin goes on, and invocations of that service's functions fail with Runtime.UserCodeSyntaxError until a save fixes it.",
  },
  LKN_WRN_RELOAD_KEPT_PREVIOUS: {
    kind: "warning",
    summary:
      "A change could not be loaded (a bad serverless.yml, a bad route, reservations the account cannot spare): the last services that loaded keep serving until a save fixes it.",
  },
  LKN_WRN_RELOAD_WATCH_FAILED: {
    kind: "warning",
    summary:
      "The watcher of the service folders reported an error (too many files to watch, a folder gone): changes may go unnoticed.",
  },
  // ---- TypeScript handlers and packaging (runtime/bundling/, runtime/packaging/) ----
  LKN_ERR_TYPESCRIPT_SYNTAX: {
    kind: "error",
    summary:
      "A TypeScript handler (or a module it imports) does not parse: its invocations fail with Runtime.UserCodeSyntaxError until the file is fixed.",
  },
  LKN_ERR_TYPESCRIPT_UNRESOLVED: {
    kind: "error",
    summary:
      "A TypeScript handler imports something esbuild cannot find: its invocations fail with Runtime.ImportModuleError until it resolves.",
  },
  LKN_ERR_TYPESCRIPT_BUILD_FAILED: {
    kind: "error",
    summary:
      "A TypeScript handler cannot be bundled for a reason outside its code (its build folder cannot be written, esbuild cannot run): its invocations fail with Runtime.ImportModuleError.",
  },
  LKN_WRN_TYPESCRIPT_BUILD_WARNING: {
    kind: "warning",
    summary: "esbuild warned while bundling a TypeScript handler (the bundle was made and runs).",
  },
  LKN_WRN_TYPESCRIPT_SOURCE_MAPS_OFF: {
    kind: "warning",
    summary:
      "A bundled function sets NODE_OPTIONS without --enable-source-maps: kept as written, so its stack traces point at the bundle.",
  },
  LKN_WRN_ESBUILD_OPTION_IGNORED: {
    kind: "warning",
    summary: "A custom.esbuild option of serverless.yml is not applied by Lambkin's bundler.",
  },
  LKN_ERR_PACKAGE_FAILED: {
    kind: "error",
    summary: "lambkin package could not write an artifact: the message names the function and the cause.",
  },
  LKN_ERR_PACKAGE_ARTIFACT_INVALID: {
    kind: "error",
    summary:
      "A function's package.artifact cannot be run: the zip cannot be read, is damaged, or has an entry that would land outside its folder (absolute, `..`, a symbolic link).",
  },
  LKN_WRN_PACKAGE_TOO_LARGE: {
    kind: "warning",
    summary: "A packaged artifact is over Lambda's 50 MB zipped or 250 MB unzipped deployment package limit.",
  },
  LKN_WRN_PACKAGE_DEPENDENCY_MISSING: {
    kind: "warning",
    summary:
      "A production dependency named by package.json / package-lock.json is not installed in node_modules: the artifact lacks it.",
  },
  // ---- hot reload: event sources and resources following a reload (cli/dev/source-follower.ts) ----
  LKN_WRN_RELOAD_SOURCE_FAILED: {
    kind: "warning",
    summary:
      "After a reload, one event source or resource (a queue, table, bucket, topic, subscription, mapping) could not be made to follow serverless.yml: the others do, and it is tried again at the next save.",
  },
} as const satisfies Record<string, CodeEntry>;

export type LambkinCode = keyof typeof LAMBKIN_CODES;

/** Anything that carries a code: Lambkin's own errors (`error.code`) and warnings. */
export interface Coded {
  readonly code: LambkinCode;
}

export function isLambkinCode(value: unknown): value is LambkinCode {
  return typeof value === "string" && Object.hasOwn(LAMBKIN_CODES, value);
}

/** The code of an error that carries one of Lambkin's codes, else undefined. */
export function codeOf(error: unknown): LambkinCode | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return isLambkinCode(code) ? code : undefined;
}

/** `[LKN_…] message`: how a coded message reads in a log line or on the terminal. */
export function coded(code: LambkinCode, message: string): string {
  return `[${code}] ${message}`;
}
