/**
 * Finds the Java that runs DynamoDB Local and checks it can: DynamoDB Local 2.3 and later need Java 17 (its release
 * notes: "Upgrading to JDK 17";
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.DownloadingAndRunning.html). No Java,
 * or an older one, is LKN_ERR_DYNAMODB_JAVA_MISSING, saying how to install one — or how to do without.
 */
import { execFile } from "node:child_process";
import { DynamoDbLocalError } from "./dynamodb-local-error.js";

export const MINIMUM_JAVA = 17;

export interface JavaRuntime {
  /** What to spawn: the configured path, or `java` (looked up on PATH). */
  readonly command: string;
  /** The feature release: 17, 21 … */
  readonly major: number;
}

const INSTALL =
  "install Java 17 or later (Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17; others: https://adoptium.net), or set AWS_ENDPOINT_URL_DYNAMODB to a DynamoDB that runs elsewhere";

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  readonly error: NodeJS.ErrnoException | null;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: "utf8", timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, error: error as NodeJS.ErrnoException | null }),
    );
  });
}

/** `java -version` prints `openjdk version "17.0.15" …`, `java version "1.8.0_401"` (Java 8 and older) or `"21-ea"`. */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

export async function findJava(javaPath: string | undefined): Promise<JavaRuntime> {
  const command = javaPath ?? "java";
  const which = javaPath === undefined ? "no `java` on PATH" : `no Java at ${javaPath}`;
  const probe = await run(command, ["-version"]);
  if (probe.error && typeof probe.error.code === "string") {
    // ENOENT (nothing there), EACCES (not executable), ENOTDIR …
    throw new DynamoDbLocalError(
      "LKN_ERR_DYNAMODB_JAVA_MISSING",
      `DynamoDB Local needs Java ${MINIMUM_JAVA}+, and there is ${which} (${probe.error.code}): ${INSTALL}`,
    );
  }
  const output = `${probe.stderr}${probe.stdout}`;
  const major = javaMajorVersion(output);
  if (probe.error || major === undefined) {
    throw new DynamoDbLocalError(
      "LKN_ERR_DYNAMODB_JAVA_MISSING",
      `DynamoDB Local needs Java ${MINIMUM_JAVA}+, and \`${command} -version\` ${probe.error ? "failed" : "names no version"}: ${output.trim().slice(0, 500)}; ${INSTALL}`,
    );
  }
  if (major < MINIMUM_JAVA) {
    throw new DynamoDbLocalError(
      "LKN_ERR_DYNAMODB_JAVA_MISSING",
      `DynamoDB Local needs Java ${MINIMUM_JAVA}+, and ${command} is Java ${major}: ${INSTALL}`,
    );
  }
  return { command, major };
}

/**
 * Whether this Java can run a program from its source file (JEP 330), which needs the jdk.compiler module: full JDKs
 * and Debian's JRE have it, jlink'ed runtimes such as Temurin's JRE do not.
 */
export async function canRunSourceFiles(java: JavaRuntime): Promise<boolean> {
  const modules = await run(java.command, ["--list-modules"]);
  return modules.error === null && /^jdk\.compiler@/m.test(modules.stdout);
}
