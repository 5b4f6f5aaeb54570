// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Serverless Framework variables, not templates
/**
 * Stages and configuration, on real files in a temporary service folder: `.env` / `.env.<stage>` with
 * `useDotenv: true` (as the Serverless Framework v3 loads them), `${file(…)}` (YAML, JSON, text, .js), and
 * `${ssm:…}` / `${cf:…}` from lambkin-parameters.yml — and every way they fail, as a coded ManifestError naming the
 * file and the key path.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadService } from "../../../runtime/manifest/load-service.js";
import type { LoadOptions } from "../../../runtime/manifest/load-services.js";
import { load, loadError } from "./manifest-fixtures.js";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A service folder holding `files` (serverless.yml's `environment:` given as `environment`), and its path. */
function service(environment: Record<string, string>, files: Record<string, string> = {}, head = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "lambkin-stages-"));
  roots.push(dir);
  const lines = Object.entries(environment).map(([key, value]) => `      ${key}: ${JSON.stringify(value)}`);
  const manifest = [
    "service: stages-demo",
    head,
    "provider:",
    "  name: aws",
    "  runtime: nodejs20.x",
    "functions:",
    "  hello:",
    "    handler: hello.handler",
    "    environment:",
    ...lines,
    "",
  ].join("\n");
  const all = { "serverless.yml": manifest, "hello.js": "exports.handler = async () => 'hi';\n", ...files };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function environmentOf(dir: string, options: LoadOptions = {}): Promise<Record<string, string>> {
  const { functions } = await load(dir, options);
  const [fn] = functions;
  if (!fn) throw new Error("the service declares a function");
  return fn.environment;
}

describe(".env files (useDotenv: true)", () => {
  const files = {
    ".env": "FROM_DEFAULT=default-file\nSHARED=from-.env\n",
    ".env.prod": "SHARED=from-.env.prod\nHOST=db.prod\nURL=postgres://${HOST}:5432\n",
  };
  const environment = {
    SHARED: "${env:SHARED, 'none'}",
    FROM_DEFAULT: "${env:FROM_DEFAULT, 'none'}",
    URL: "${env:URL, 'none'}",
  };

  it("are ignored without useDotenv: true", async () => {
    const dir = service(environment, files);
    expect(await environmentOf(dir)).toEqual({ SHARED: "none", FROM_DEFAULT: "none", URL: "none" });
  });

  it("are ignored with useDotenv: false", async () => {
    const dir = service(environment, files, "useDotenv: false");
    expect(await environmentOf(dir, { stage: "prod" })).toMatchObject({ SHARED: "none" });
  });

  it("load .env when there is no .env.<stage>", async () => {
    const dir = service(environment, files, "useDotenv: true");
    expect(await environmentOf(dir)).toEqual({
      SHARED: "from-.env",
      FROM_DEFAULT: "default-file",
      URL: "none",
    });
  });

  it("prefer .env.<stage> for the stage of --stage, and load only that one, expanded", async () => {
    const dir = service(environment, files, "useDotenv: true");
    expect(await environmentOf(dir, { stage: "prod" })).toEqual({
      SHARED: "from-.env.prod",
      FROM_DEFAULT: "none",
      URL: "postgres://db.prod:5432",
    });
  });

  it("pick the file of provider.stage without --stage", async () => {
    const dir = service(
      { SHARED: "${env:SHARED}" },
      files,
      "useDotenv: true\nprovider:\n  name: aws\n  stage: prod",
    );
    // The second `provider:` of this manifest would be a duplicate key: write it whole instead.
    writeFileSync(
      join(dir, "serverless.yml"),
      "service: stages-demo\nuseDotenv: true\nprovider:\n  name: aws\n  stage: prod\nfunctions:\n  hello:\n    handler: hello.handler\n    environment:\n      SHARED: ${env:SHARED}\n",
    );
    expect(await environmentOf(dir)).toEqual({ SHARED: "from-.env.prod" });
  });

  it("never override a variable already set in the environment (not even in an expansion)", async () => {
    const dir = service(environment, files, "useDotenv: true");
    expect(
      await environmentOf(dir, { stage: "prod", env: { SHARED: "from-the-shell", HOST: "localhost" } }),
    ).toEqual({ SHARED: "from-the-shell", FROM_DEFAULT: "none", URL: "postgres://localhost:5432" });
  });

  it("feed only their own service, not the caller's environment", async () => {
    const env: NodeJS.ProcessEnv = {};
    const dir = service(environment, files, "useDotenv: true");
    await environmentOf(dir, { env });
    expect(env).toEqual({});
  });

  it("that cannot be read are a coded error naming the file", async () => {
    const dir = service(environment, {}, "useDotenv: true");
    mkdirSync(join(dir, ".env"));
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_DOTENV");
    expect(error.file).toBe(join(dir, ".env"));
    expect(error.problem).toContain("is not a regular file");
  });

  it("that would expand to gigabytes are refused before they expand", async () => {
    const lines = ["V0=xxxxxxxxxxxxxxxx"];
    for (let n = 1; n <= 40; n += 1) lines.push(`V${n}=\${V${n - 1}}$V${n - 1}`);
    const dir = service({ AA: "${env:V40, 'none'}" }, { ".env": `${lines.join("\n")}\n` }, "useDotenv: true");
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_LIMIT");
    expect(error.file).toBe(join(dir, ".env"));
    expect(error.problem).toMatch(/would expand to more than \d+ characters \(at V2\d\)/);
  });

  it("refuse a provider.stage that reads a variable the file sets", async () => {
    const dir = service({}, { ".env": "STAGE=qa\n" });
    writeFileSync(
      join(dir, "serverless.yml"),
      "service: stages-demo\nuseDotenv: true\nprovider:\n  name: aws\n  stage: ${env:STAGE, 'dev'}\nfunctions:\n  hello:\n    handler: hello.handler\n",
    );
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_DOTENV");
    expect(error.keyPath).toBe("provider.stage");
  });
});

describe("${file(…)}", () => {
  it("reads YAML and JSON files relative to the service folder, at an address, resolving their variables", async () => {
    const dir = service(
      {
        YAML: "${file(./config/settings.yml):database.host}",
        JSON: "${file(./config/settings.json):limits.0}",
        STAGED: "${file(./config/${sls:stage}.yml):name}",
        INNER: "${file(./config/settings.yml):database.url}",
        TEXT: "${file(./config/motd.txt)}",
      },
      {
        "config/settings.yml":
          "database:\n  host: db.local\n  url: postgres://${self:service}-${sls:stage}\n",
        "config/settings.json": '{"limits": ["ten", "twenty"]}',
        "config/qa.yml": "name: the-qa-stage\n",
        "config/motd.txt": "hello",
      },
    );
    expect(await environmentOf(dir, { stage: "qa" })).toEqual({
      YAML: "db.local",
      JSON: "ten",
      STAGED: "the-qa-stage",
      INNER: "postgres://stages-demo-qa",
      TEXT: "hello",
    });
  });

  it("takes the default when the file or the key is missing", async () => {
    const dir = service(
      { FILE: "${file(./nothing.yml):a, 'fallback'}", KEY: "${file(./there.yml):b.c, 'fallback-key'}" },
      { "there.yml": "a: 1\n" },
    );
    expect(await environmentOf(dir)).toEqual({ FILE: "fallback", KEY: "fallback-key" });
  });

  it("is a coded error naming the missing file and the key that reads it", async () => {
    const dir = service({ A: "${file(./nothing.yml):a}" });
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_FILE_SOURCE");
    expect(error.file).toBe(join(dir, "serverless.yml"));
    expect(error.keyPath).toBe("functions.hello.environment.A");
    expect(error.problem).toContain(`there is no file ${join(dir, "nothing.yml")}`);
  });

  it("is a coded error naming the file and the address missing from it", async () => {
    const dir = service({ A: "${file(./there.yml):a.missing}" }, { "there.yml": "a:\n  b: 1\n" });
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_FILE_SOURCE");
    expect(error.keyPath).toBe("functions.hello.environment.A");
    expect(error.problem).toContain(`${join(dir, "there.yml")} has no value at a.missing`);
  });

  it("reports bad YAML in the file with its path, line and column", async () => {
    const dir = service({ A: "${file(./bad.yml):a}" }, { "bad.yml": "a: [1, 2\nb: 3\n" });
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_FILE_SOURCE");
    expect(error.keyPath).toBe("functions.hello.environment.A");
    expect(error.problem).toContain(`${join(dir, "bad.yml")}: YAML syntax error at line`);
  });

  it("reports a cycle through a file", async () => {
    const dir = service({ A: "${self:custom.a}" }, { "loop.yml": "a: ${self:custom.a}\n" });
    writeFileSync(
      join(dir, "serverless.yml"),
      "service: stages-demo\nprovider:\n  name: aws\ncustom:\n  a: ${file(./loop.yml):a}\nfunctions:\n  hello:\n    handler: hello.handler\n    environment:\n      A: ${self:custom.a}\n",
    );
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_VARIABLE");
    expect(error.problem).toContain("cycle: custom.a → file(./loop.yml).a → custom.a");
  });

  it("reports a file that includes itself, instead of expanding it forever", async () => {
    const dir = service(
      { AA: "${file(./self.yml):name}" },
      { "self.yml": "name: x\nagain: ${file(./self.yml)}\n" },
    );
    writeFileSync(
      join(dir, "serverless.yml"),
      "service: stages-demo\nprovider:\n  name: aws\ncustom: ${file(./self.yml)}\nfunctions:\n  hello:\n    handler: hello.handler\n    environment:\n      AA: ${self:custom.name}\n",
    );
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_VARIABLE");
    expect(error.problem).toContain("cycle: file(./self.yml).again → file(./self.yml).again");
  });

  it("refuses what is not a regular file: a FIFO (which would block a read forever) and /proc", async () => {
    const dir = service({ A: "${file(./pipe.yml):a}", B: "${file(/proc/self/environ)}" });
    execFileSync("mkfifo", [join(dir, "pipe.yml")]);
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_FILE_SOURCE");
    expect(error.problem).toContain("is not a regular file");
    rmSync(join(dir, "pipe.yml"));
    writeFileSync(join(dir, "pipe.yml"), "a: ok\n");
    const proc = await loadError(dir);
    expect(proc.keyPath).toBe("functions.hello.environment.B");
    expect(proc.problem).toContain("a kernel pseudo-file");
  });

  it("runs a .js file in a child process: an object, a function given the stage, an address calling a function", async () => {
    const dir = service(
      {
        OBJECT: "${file(./values.js):table}",
        CALLED: "${file(./values.js):named}",
        STAGE: "${file(./per-stage.cjs):stage}",
        MODULE: "${file(./module.mjs):answer}",
      },
      {
        "values.js":
          "console.log('noise on stdout');\nmodule.exports = { table: 'coupons', named: async ({ options }) => `named-${options.stage}` };\n",
        "per-stage.cjs":
          "module.exports = ({ options }) => ({ stage: `js-${options.stage}-${options.region}` });\n",
        "module.mjs": "export default { answer: 42 };\n",
      },
    );
    expect(await environmentOf(dir, { stage: "qa" })).toEqual({
      OBJECT: "coupons",
      CALLED: "named-qa",
      STAGE: "js-qa-us-east-1",
      MODULE: "42",
    });
  });

  it("reports a .js file that throws, with its message", async () => {
    const dir = service(
      { A: "${file(./broken.js):a}" },
      { "broken.js": "throw new Error('no config here');\n" },
    );
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_FILE_SOURCE");
    expect(error.keyPath).toBe("functions.hello.environment.A");
    expect(error.problem).toContain("no config here");
  });

  it("stops a .js file that never gives its value", { timeout: 30_000 }, async () => {
    const dir = service(
      { A: "${file(./forever.js)}" },
      { "forever.js": "module.exports = () => new Promise(() => setInterval(() => {}, 1000));\n" },
    );
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_FILE_SOURCE");
    expect(error.problem).toContain("did not give its value within 10 s");
  });
});

describe("${param:…} from params: (the Framework v3's stage parameters)", () => {
  const head =
    "params:\n  prod:\n    domain: shop.example\n  default:\n    domain: ${sls:stage}.preview.example\n    size: 1";
  it("reads params.<stage>, else params.default", async () => {
    const dir = service({ DOMAIN: "${param:domain}", SIZE: "${param:size}" }, {}, head);
    expect(await environmentOf(dir)).toEqual({ DOMAIN: "dev.preview.example", SIZE: "1" });
    expect(await environmentOf(dir, { stage: "prod" })).toEqual({ DOMAIN: "shop.example", SIZE: "1" });
  });

  it("reports a parameter in neither, saying where Lambkin looks", async () => {
    const error = await loadError(service({ A: "${param:missing}" }, {}, head));
    expect(error.code).toBe("LKN_ERR_MANIFEST_VARIABLE");
    expect(error.problem).toContain("not from the Serverless Dashboard");
    expect(error.fix).toContain("params.<stage> or params.default");
  });
});

describe("${ssm:…} and ${cf:…} from lambkin-parameters.yml", () => {
  const parameters = [
    "ssm:",
    "  /shop/dev/db-url: postgres://localhost/shop",
    "  /shop/dev/ips: [10.0.0.1, 10.0.0.2]",
    `  /aws/reference/secretsmanager/shop/dev/api: '{"key":"local-key"}'`,
    "cf:",
    "  billing-dev:",
    "    QueueUrl: http://127.0.0.1:3000/queue/billing",
    "",
  ].join("\n");

  it("reads parameters (with v2's ~true suffix, a region, StringLists, Secrets Manager JSON) and stack outputs", async () => {
    const dir = service(
      {
        URL: "${ssm:/shop/dev/db-url}",
        DECRYPTED: "${ssm:/shop/dev/db-url~true}",
        REGIONAL: "${ssm(eu-west-1):/shop/dev/db-url}",
        FIRST_IP: "${self:custom.ips.0}",
        KEY: "${self:custom.secret.key}",
        RAW: "${ssm(raw):/aws/reference/secretsmanager/shop/dev/api}",
        QUEUE: "${cf:billing-dev.QueueUrl}",
        FALLBACK: "${ssm:/shop/dev/none, 'fallback'}",
      },
      { "lambkin-parameters.yml": parameters },
      "custom:\n  ips: ${ssm:/shop/dev/ips}\n  secret: ${ssm:/aws/reference/secretsmanager/shop/dev/api}",
    );
    expect(await environmentOf(dir)).toEqual({
      URL: "postgres://localhost/shop",
      DECRYPTED: "postgres://localhost/shop",
      REGIONAL: "postgres://localhost/shop",
      FIRST_IP: "10.0.0.1",
      KEY: "local-key",
      RAW: '{"key":"local-key"}',
      QUEUE: "http://127.0.0.1:3000/queue/billing",
      FALLBACK: "fallback",
    });
  });

  it("reports a missing parameter with its name and the file to put it in", async () => {
    const dir = service({ A: "${ssm:/shop/dev/missing}" }, { "lambkin-parameters.yml": parameters });
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_SSM_PARAMETER");
    expect(error.keyPath).toBe("functions.hello.environment.A");
    expect(error.problem).toContain(
      `the parameter /shop/dev/missing is not in ${join(dir, "lambkin-parameters.yml")}`,
    );
    expect(error.fix).toContain(`ssm: { "/shop/dev/missing": value }`);
  });

  it("reports a missing stack output with the file to put it in", async () => {
    const dir = service({ A: "${cf:billing-dev.TopicArn}" }, { "lambkin-parameters.yml": parameters });
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_CF_OUTPUT");
    expect(error.fix).toContain("cf: { billing-dev: { TopicArn: value } }");
  });

  it("reports a parameter file of the wrong shape, and bad YAML in it", async () => {
    const shape = await loadError(service({ A: "${ssm:/a}" }, { "lambkin-parameters.yml": "ssm: [a, b]\n" }));
    expect(shape.code).toBe("LKN_ERR_MANIFEST_PARAMETERS_FILE");
    expect(shape.keyPath).toBe("ssm");
    const yaml = await loadError(service({ A: "${ssm:/a}" }, { "lambkin-parameters.yml": "ssm: {a: \n" }));
    expect(yaml.code).toBe("LKN_ERR_MANIFEST_YAML");
    expect(yaml.file).toMatch(/lambkin-parameters\.yml$/);
  });

  it("still refuses ${s3:…}, which has no local stand-in", async () => {
    const error = await loadError(service({ A: "${s3:bucket/key}" }));
    expect(error.code).toBe("LKN_ERR_MANIFEST_VARIABLE");
    expect(error.problem).toContain("reads S3 objects");
  });
});

describe("the configuration files a service depends on", () => {
  it("are every .env candidate, ${file(…)} (present or not) and the parameter file its values read", async () => {
    const dir = service(
      {
        AA: "${file(./a.yml):a}",
        BB: "${file(../outside-${sls:stage}.yml):b, 'none'}",
        CC: "${ssm:/c, 'none'}",
      },
      { "a.yml": "a: 1\n" },
      "useDotenv: true",
    );
    const { configurationFiles } = await loadService(join(dir, "serverless.yml"), { env: {}, stage: "qa" });
    expect(configurationFiles).toEqual(
      [
        join(dir, ".env"),
        join(dir, ".env.qa"),
        join(dir, "a.yml"),
        join(dir, "..", "outside-qa.yml"),
        join(dir, "lambkin-parameters.yml"),
      ].sort(),
    );
  });
});
