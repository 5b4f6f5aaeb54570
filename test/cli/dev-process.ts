// Starts `lambkin dev` (compiled, as `npm start` runs it) as a child process on a free port and hands back its
// URL, its output so far and its exit; the tests of hostile clients, shutdown and the queue share it.
import { type LambkinProcess, ROOT, startLambkin } from "./cluster-process.js";

export { ROOT };

export interface DevProcess extends LambkinProcess {
  readonly port: number;
}

export async function startDev(
  dir: string,
  env: NodeJS.ProcessEnv = {},
  extraArgs: readonly string[] = [],
): Promise<DevProcess> {
  const dev = await startLambkin("dev", dir, env, extraArgs);
  return { ...dev, port: Number(new URL(dev.url).port) };
}
