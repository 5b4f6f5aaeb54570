/**
 * `lambkin dev --inspect`: starts each inspected function's first environment before `ready` (its inspector then
 * listens before the first request, so a debugger attaches first) and prints how to attach.
 */
import pc from "picocolors";
import type { Logger } from "pino";
import { devtoolsUrlOf } from "../../runtime/debugging/devtools-url.js";
import { attachHintLines, inspectedFunctionLine } from "../../runtime/debugging/inspect-description.js";
import type { LambkinRuntime } from "../../runtime/lambkin-runtime.js";

export async function startInspection(runtime: LambkinRuntime, logger: Logger): Promise<void> {
  const inspected = [...(runtime.inspection?.inspected.values() ?? [])];
  if (inspected.length === 0) return;
  await runtime.startInspectedEnvironments();
  const urls = await Promise.all(inspected.map((entry) => devtoolsUrlOf(entry.port)));
  inspected.forEach((entry, index) => {
    const url = urls[index];
    logger.info(`${pc.bold(inspectedFunctionLine(entry))}${url ? ` — ${url}` : ""}`);
  });
  for (const line of attachHintLines(inspected)) logger.info(line);
}
