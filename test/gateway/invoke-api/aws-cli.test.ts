// The aws CLI v2 (Debian's awscli package, /usr/bin/aws: botocore's serializers, parsers and signer) against the
// Invoke API: `aws lambda invoke` writes the function's bytes to the outfile and prints StatusCode /
// ExecutedVersion / FunctionError / LogResult; `list-functions` pages through Marker/NextMarker; errors come out
// as the CLI prints AWS's; and with access keys configured only correctly signed calls get through.
// The CLI runs with a clean environment and empty config/credentials files so the host's AWS setup can't interfere.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, HELLO_SERVICE, startApiServer, TEST_KEY } from "./invoke-api-server.js";

const AWS = "/usr/bin/aws";

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let home: string;

function aws(
  endpoint: string,
  args: string[],
  key: { accessKeyId: string; secretAccessKey: string } = TEST_KEY,
): Promise<CliRun> {
  const env = {
    PATH: "/usr/bin:/bin",
    HOME: home,
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_CONFIG_FILE: join(home, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  return new Promise((resolve) => {
    execFile(
      AWS,
      ["lambda", ...args, "--endpoint-url", endpoint],
      { env, cwd: home },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  if (!existsSync(AWS))
    throw new Error(`${AWS} is missing: install Debian's awscli package (apt-get install awscli)`);
  home = await mkdtemp(join(tmpdir(), "lambkin-aws-cli-"));
  await writeFile(join(home, "config"), "");
  await writeFile(join(home, "credentials"), "");
});

describe("aws CLI, signatures not checked", () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer(HELLO_SERVICE);
  });
  afterAll(() => server.close());

  it("aws lambda invoke writes the function's bytes and prints StatusCode 200 and ExecutedVersion", async () => {
    const outfile = join(home, "hello.json");
    const run = await aws(server.endpoint, [
      "invoke",
      "--function-name",
      "hello",
      "--cli-binary-format",
      "raw-in-base64-out",
      "--payload",
      "{}",
      outfile,
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ StatusCode: 200, ExecutedVersion: "$LATEST" });
    expect(await readFile(outfile, "utf8")).toBe('"Hello lambda"');
  });

  it("prints FunctionError and a LogResult holding START … REPORT for a function error", async () => {
    const outfile = join(home, "company.json");
    const run = await aws(server.endpoint, [
      "invoke",
      "--function-name",
      "company",
      "--cli-binary-format",
      "raw-in-base64-out",
      "--payload",
      '{"company":"Acme"}',
      "--log-type",
      "Tail",
      outfile,
    ]);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed).toMatchObject({
      StatusCode: 200,
      FunctionError: "Unhandled",
      ExecutedVersion: "$LATEST",
    });
    const tail = Buffer.from(printed.LogResult, "base64").toString("utf8");
    expect(tail).toMatch(/START RequestId: [0-9a-f-]{36} Version: \$LATEST/);
    expect(tail).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration: /);
    expect(JSON.parse(await readFile(outfile, "utf8"))).toMatchObject({
      errorMessage: "You're working for the wrong company",
    });
  });

  it("aws lambda list-functions pages through every function (botocore's /functions/ with Marker)", async () => {
    const run = await aws(server.endpoint, ["list-functions", "--page-size", "2"]);
    expect(run.code).toBe(0);
    const names = (JSON.parse(run.stdout) as { Functions: { FunctionName: string }[] }).Functions.map(
      (fn) => fn.FunctionName,
    );
    expect(names).toEqual([
      "hello-dev-api",
      "hello-dev-company",
      "hello-dev-greet",
      "hello-dev-hello",
      "hello-dev-helloJson",
    ]);
  });

  it("aws lambda get-function-configuration describes the function", async () => {
    const run = await aws(server.endpoint, ["get-function-configuration", "--function-name", "hello"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      FunctionName: "hello-dev-hello",
      Handler: "hello.hello",
      Runtime: "nodejs20.x",
      MemorySize: 1024,
      Timeout: 6,
      State: "Active",
    });
  });

  it("prints AWS's error and exits 254 for an unknown function", async () => {
    const run = await aws(server.endpoint, ["invoke", "--function-name", "nope", join(home, "nope.json")]);
    expect(run.code).toBe(254);
    expect(run.stderr).toContain(
      "An error occurred (ResourceNotFoundException) when calling the Invoke operation (reached max retries: 0): Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope",
    );
  });
});

describe("aws CLI, signatures checked", () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer(HELLO_SERVICE, new Map([[TEST_KEY.accessKeyId, TEST_KEY.secretAccessKey]]));
  });
  afterAll(() => server.close());

  it("gets through with a configured key", async () => {
    const outfile = join(home, "signed.json");
    const run = await aws(server.endpoint, [
      "invoke",
      "--function-name",
      "arn:aws:lambda:us-east-1:000000000000:function:hello-dev-greet",
      "--cli-binary-format",
      "raw-in-base64-out",
      "--payload",
      '{"name":"signed"}',
      outfile,
    ]);
    expect(run.code).toBe(0);
    expect(await readFile(outfile, "utf8")).toBe('"Hello signed"');
    expect((await aws(server.endpoint, ["list-functions"])).code).toBe(0);
  });

  it("is refused with InvalidSignatureException for a wrong secret", async () => {
    const run = await aws(server.endpoint, ["list-functions"], {
      ...TEST_KEY,
      secretAccessKey: "wrong-secret",
    });
    expect(run.code).toBe(254);
    expect(run.stderr).toContain(
      "An error occurred (InvalidSignatureException) when calling the ListFunctions operation",
    );
    expect(run.stderr).toContain(
      "The request signature we calculated does not match the signature you provided.",
    );
  });

  it("is refused with UnrecognizedClientException for an unknown key", async () => {
    const run = await aws(server.endpoint, ["list-functions"], {
      accessKeyId: "AKIDNOTCONFIGURED000",
      secretAccessKey: "x",
    });
    expect(run.code).toBe(254);
    expect(run.stderr).toContain(
      "An error occurred (UnrecognizedClientException) when calling the ListFunctions operation (reached max retries: 0): The security token included in the request is invalid.",
    );
  });
});
