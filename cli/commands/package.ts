/**
 * `lambkin package [service] [--dir D] [--out DIR]`: writes the zip Lambda would take for each service (or each
 * function, with `package.individually: true`) into `<service>/.serverless/` as `serverless package` does, or
 * into --out, and prints each artifact's size against Lambda's limits (runtime/packaging/).
 */
import { relative, resolve } from "node:path";
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import { loadServices } from "../../runtime/manifest/load-services.js";
import { formatWarning, warningLogFields } from "../../runtime/manifest/manifest-error.js";
import {
  mb,
  packageFunctions,
  UNZIPPED_LIMIT_BYTES,
  ZIPPED_LIMIT_BYTES,
} from "../../runtime/packaging/package-service.js";
import { EXIT_OK, UsageError } from "../usage-error.js";

export interface PackageFlags {
  readonly dir?: string;
  readonly stage?: string;
  readonly region?: string;
  readonly out?: string;
}

export async function packageCommand(
  service: string | undefined,
  flags: PackageFlags,
  logger: Logger,
): Promise<number> {
  const loaded = await loadServices(resolve(flags.dir ?? "functions"), {
    stage: flags.stage,
    region: flags.region,
    env: process.env,
  });
  for (const warning of loaded.warnings) logger.warn(warningLogFields(warning), formatWarning(warning));
  const functions = loaded.functions.filter((fn) => service === undefined || fn.service === service);
  if (functions.length === 0) {
    const known = [...new Set(loaded.functions.map((fn) => fn.service))].sort().join(", ") || "none";
    throw new UsageError(
      service === undefined
        ? "no function to package"
        : `no service named "${service}" (services found: ${known})`,
    );
  }
  const artifacts = await packageFunctions(functions, flags.out, {
    warn: (code, message) => logger.warn({ code }, coded(code, message)),
  });
  for (const artifact of artifacts) {
    const zipped = `${mb(artifact.zippedBytes)} of ${mb(ZIPPED_LIMIT_BYTES)} zipped`;
    const unzipped = `${mb(artifact.unzippedBytes)} of ${mb(UNZIPPED_LIMIT_BYTES)} unzipped`;
    process.stdout.write(
      `${relative(process.cwd(), artifact.path) || artifact.path}\t${artifact.entries} files\t${zipped}\t${unzipped}\t(${artifact.functions.join(", ")})\n`,
    );
  }
  return EXIT_OK;
}
