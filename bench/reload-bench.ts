/**
 * Hot-reload benchmark (issue #11). On a real `lambkin dev` process watching a temporary folder of two services:
 * - save → first response served by the new code, p50 and p95 over 20 editor-style saves (write a temporary
 *   file, rename it over the handler), each divided by a cold start of the same function measured in the same
 *   run (a request that finds every environment of the function busy, so it starts a new one). Aims: ≤ 1.5× the
 *   cold start and ≤ 300 ms;
 * - the proof that the other service stayed warm: its invocation after each save has no Init Duration in its
 *   REPORT (the Invoke API's LogType Tail), and its module state goes on counting;
 * - reload under load: autocannon drives the edited function at 10 connections while it is saved 5 times; every
 *   response must be 200 and carry the old or a new version (none lost, no 5xx). The counts are printed.
 * Run: npm run bench:reload
 */
import { join } from "node:path";
import autocannon from "autocannon";
import { EARLY_QUIET_MS, QUIET_MS } from "../cli/dev/service-watcher.js";
import {
  get,
  handlerSource,
  removeFolder,
  saveByRename,
  serviceFolder,
  startDevChild,
} from "./hot-reload-services.js";
import { ms, percentile, ratio } from "./stats.js";

const EDITS = 20;
const COLD_SAMPLES = 6;
const LOAD_EDITS = 5;

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

async function invokeTail(url: string, name: string): Promise<string> {
  const response = await fetch(`${url}/2015-03-31/functions/${name}/invocations`, {
    method: "POST",
    headers: { "X-Amz-Log-Type": "Tail" },
    body: "{}",
  });
  await response.text();
  return Buffer.from(response.headers.get("x-amz-log-result") ?? "", "base64").toString();
}

/** A request that finds all `busy` environments of the function occupied: it starts a new one (a cold start). */
async function coldStart(url: string, busy: number): Promise<number> {
  const occupiers = Array.from({ length: busy }, () => get(`${url}/edited?wait=2500`));
  await sleep(400);
  const started = performance.now();
  const answer = await get(`${url}/edited`);
  const elapsed = performance.now() - started;
  if (answer.served !== 1)
    throw new Error(`the cold-start probe reached a warm environment (served ${answer.served})`);
  await Promise.all(occupiers);
  return elapsed;
}

async function saveToFirstResponse(url: string, file: string, version: string): Promise<number> {
  const started = performance.now();
  saveByRename(file, handlerSource(version));
  for (;;) {
    const answer = await get(`${url}/edited`);
    if (answer.version === version) return performance.now() - started;
    if (performance.now() - started > 30_000) throw new Error(`${version} was never served`);
  }
}

async function main(): Promise<void> {
  const root = await serviceFolder("reload-bench", [{ name: "edited" }, { name: "bystander" }]);
  const dev = await startDevChild(root);
  try {
    const url = dev.url;
    const file = join(root, "edited", "handler.js");
    await get(`${url}/edited`);
    const bystanderFirst = await get(`${url}/bystander`);
    await invokeTail(url, "bystander-dev-bystander");

    const colds: number[] = [];
    for (let sample = 0; sample < COLD_SAMPLES; sample++) colds.push(await coldStart(url, sample + 1));

    const reloads: number[] = [];
    let bystanderColdStarts = 0;
    for (let edit = 1; edit <= EDITS; edit++) {
      reloads.push(await saveToFirstResponse(url, file, `edit-${edit}`));
      if (/Init Duration/.test(await invokeTail(url, "bystander-dev-bystander"))) bystanderColdStarts++;
      await sleep(150);
    }
    const bystanderLast = await get(`${url}/bystander`);
    const reloadWork = [...dev.output().matchAll(/reload in (\d+) ms/g)].map((match) => Number(match[1]));
    const startedAhead = [...dev.output().matchAll(/started during the debounce/g)].length;

    const coldP50 = percentile(colds, 50);
    const p50 = percentile(reloads, 50);
    const p95 = percentile(reloads, 95);
    console.log("Hot reload: save → first response served by the new code");
    console.log(`  cold start of the same function (p50 of ${COLD_SAMPLES}): ${ms(coldP50)}`);
    console.log(
      `  save → new code, p50 of ${EDITS} saves: ${ms(p50)}  (${ratio(p50, coldP50)} the cold start; aim ≤ 1.50×, ≤ 300 ms)`,
    );
    console.log(
      `  save → new code, p95 of ${EDITS} saves: ${ms(p95)}  (${ratio(p95, coldP50)} the cold start)`,
    );
    console.log(
      `  of which Lambkin's reload (load, hash, check, swap; after the ${QUIET_MS} ms debounce), p50: ${ms(percentile(reloadWork, 50))}; the new environment's start overlaps both`,
    );
    console.log(
      `  new code's environment started during the debounce (after ${EARLY_QUIET_MS} ms of quiet) and adopted by the reload: ${startedAhead} of ${EDITS} saves`,
    );
    console.log(
      `  unrelated service: ${bystanderColdStarts} of ${EDITS} invocations after a save had an Init Duration (want 0); its environment's counter went from ${bystanderFirst.served} to ${bystanderLast.served} (same module state)`,
    );

    // Reload under load: 10 connections on the edited function while it is saved LOAD_EDITS times.
    const versions = new Map<string, number>();
    let unexpected = 0;
    const loadSeconds = LOAD_EDITS + 2;
    const running = autocannon({
      url: `${url}/edited`,
      connections: 10,
      duration: loadSeconds,
      timeout: 30,
      requests: [
        {
          method: "GET",
          onResponse(status, body) {
            let version: string | undefined;
            try {
              version = (JSON.parse(body) as { version?: string }).version;
            } catch {}
            if (status !== 200 || version === undefined) unexpected++;
            else versions.set(version, (versions.get(version) ?? 0) + 1);
          },
        },
      ],
    });
    await sleep(700);
    for (let edit = 1; edit <= LOAD_EDITS; edit++) {
      saveByRename(file, handlerSource(`load-${edit}`));
      await sleep(1000);
    }
    const result = await running;
    const known = new Set([
      `edit-${EDITS}`,
      ...Array.from({ length: LOAD_EDITS }, (_, i) => `load-${i + 1}`),
    ]);
    const strangers = [...versions.keys()].filter((version) => !known.has(version));
    console.log(`Reload under load: autocannon, 10 connections, ${loadSeconds} s, ${LOAD_EDITS} saves`);
    console.log(
      `  ${result.requests.total} responses: ${result["2xx"]} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts; ${unexpected} not answered by the function`,
    );
    console.log(`  by version: ${[...versions].map(([version, count]) => `${version} ${count}`).join(", ")}`);
    const lost = result.non2xx + result.errors + result.timeouts + unexpected + strangers.length;
    console.log(
      `  ${lost === 0 ? "no request lost: every response is the old or a new code" : `${lost} REQUESTS LOST OR WRONG`}`,
    );
    if (lost > 0 || bystanderColdStarts > 0) process.exitCode = 1;
  } finally {
    await dev.stop();
    await removeFolder(root);
  }
}

await main();
