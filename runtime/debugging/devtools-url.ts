/**
 * The Chrome DevTools URL of a running inspector, as node lists it at GET /json/list (the endpoint chrome://inspect
 * reads): `devtools://devtools/bundled/js_app.html?…&ws=127.0.0.1:PORT/<id>`. The id changes with every process, so
 * it is read from the inspector rather than made up. Undefined when the inspector does not answer.
 */
import { INSPECTOR_HOST } from "./inspector-ports.js";

const ASK_LIMIT_MS = 2_000;

export async function devtoolsUrlOf(port: number): Promise<string | undefined> {
  try {
    const response = await fetch(`http://${INSPECTOR_HOST}:${port}/json/list`, {
      signal: AbortSignal.timeout(ASK_LIMIT_MS),
    });
    const targets = (await response.json()) as { devtoolsFrontendUrl?: unknown }[];
    const url = targets[0]?.devtoolsFrontendUrl;
    return typeof url === "string" ? url : undefined;
  } catch {
    return undefined;
  }
}

const LISTEN_LIMIT_MS = 10_000;
const LISTEN_POLL_MS = 25;

/** Resolves once the inspector on `port` answers, or after LISTEN_LIMIT_MS. */
export async function inspectorListening(port: number | undefined): Promise<void> {
  if (port === undefined) return;
  const deadline = Date.now() + LISTEN_LIMIT_MS;
  while (Date.now() < deadline) {
    if ((await devtoolsUrlOf(port)) !== undefined) return;
    await new Promise((resolve) => setTimeout(resolve, LISTEN_POLL_MS));
  }
}
