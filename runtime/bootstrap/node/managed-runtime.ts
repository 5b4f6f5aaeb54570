/**
 * The Node runtime on Lambda Managed Instances (AWS_LAMBDA_MAX_CONCURRENCY set: `capacityProvider`,
 * docs/lambda-behaviour.md "Lambda Managed Instances"), as
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-nodejs-runtime.html describes it:
 *
 * - Worker threads give parallelism: AWS_LAMBDA_NODEJS_WORKER_COUNT of them, by default one per vCPU of the
 *   environment (its memory divided by its memory per vCPU, which Lambkin passes in MANAGED_VCPUS_VARIABLE:
 *   a process sandbox would see the host's). Never more than AWS_LAMBDA_MAX_CONCURRENCY.
 * - Each worker loads the handler once ("Function initialization occurs once per worker thread") and runs its
 *   share of the concurrency: async handlers take several requests at once in one thread, each with its own
 *   `/next`; a synchronous (callback) handler one at a time.
 * - This main thread loads no user code. A worker whose init fails posts `/init/error` and the process exits
 *   129, as on Lambda's default; a worker that crashes later fails its own invocations and ends, and the others
 *   go on ("If a runtime worker crashes, the execution environment continues operating with the remaining
 *   healthy workers"); the process exits once none is left.
 */
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { RapidError } from "./errors.js";
import { RapidClient } from "./rapid-client.js";

/** The environment's vCPUs, from Lambkin (runtime/sandbox/lambda-environment-variables.ts); removed at start. */
export const MANAGED_VCPUS_VARIABLE = "_LAMBKIN_MANAGED_VCPUS";

/**
 * What a worker thread is told: how many invocations it runs at once (fewer for a synchronous handler), and the
 * descriptor of its own Runtime API channel (channel-frames.ts) when the process sandbox gave one per worker —
 * a thread's socket is read by that thread's event loop alone, so no two threads ever share one. Without one it
 * speaks HTTP to AWS_LAMBDA_RUNTIME_API.
 */
export interface ManagedWorkerData {
  readonly slots: number;
  readonly channelFd?: number;
}

/** A worker's message to the main thread: its init failed, so the whole environment exits with `status`. */
export interface InitFailedMessage {
  readonly initFailed: number;
}

/**
 * A worker's last message: it crashed, and these invocations of its fail with `error`. The main thread posts
 * them once the worker has ended — and with it the `/next` calls it kept open, which could otherwise still be
 * handed an event that no thread would ever run.
 */
export interface CrashedMessage {
  readonly crashed: { readonly ids: readonly string[]; readonly error: RapidError; readonly status: number };
}

type WorkerMessage = Partial<InitFailedMessage & CrashedMessage>;

function positiveInteger(value: string | undefined): number | undefined {
  const number = value === undefined ? Number.NaN : Number(value);
  return Number.isInteger(number) && number > 0 ? number : undefined;
}

/** The concurrency, when this environment is on Managed Instances, else undefined. */
export function managedConcurrency(): number | undefined {
  return positiveInteger(process.env.AWS_LAMBDA_MAX_CONCURRENCY);
}

/** Splits `concurrency` over the worker threads, as evenly as it goes. */
export function workerSlots(concurrency: number, workers: number): number[] {
  const count = Math.max(1, Math.min(workers, concurrency));
  return Array.from(
    { length: count },
    (_, index) => Math.floor(concurrency / count) + (index < concurrency % count ? 1 : 0),
  );
}

/**
 * The worker threads an environment runs, as the invocations each takes at once: AWS_LAMBDA_NODEJS_WORKER_COUNT of
 * them (the function's own setting), else one per vCPU, never more than its concurrency. The process sandbox asks
 * too, with the same inputs, to open one channel for each.
 */
export function managedWorkerSlots(
  concurrency: number,
  vCpus: number,
  workerCountSetting: string | undefined,
): number[] {
  return workerSlots(concurrency, positiveInteger(workerCountSetting) ?? vCpus);
}

/** `channelFds`: one Runtime API channel per worker thread, in order (fewer or none: those threads use HTTP). */
export function runManaged(concurrency: number, channelFds: readonly number[] = []): void {
  const vCpus = positiveInteger(process.env[MANAGED_VCPUS_VARIABLE]) ?? 1;
  delete process.env[MANAGED_VCPUS_VARIABLE];
  const slotsByWorker = managedWorkerSlots(concurrency, vCpus, process.env.AWS_LAMBDA_NODEJS_WORKER_COUNT);
  let client: RapidClient | undefined;
  let running = 0;
  for (const [index, slots] of slotsByWorker.entries()) {
    const channelFd = channelFds[index];
    const data: ManagedWorkerData = channelFd === undefined ? { slots } : { slots, channelFd };
    const worker = new Worker(join(__dirname, "managed-worker.js"), { workerData: data });
    running++;
    let crashed: CrashedMessage["crashed"] | undefined;
    worker.on("message", (message: WorkerMessage) => {
      if (typeof message?.initFailed === "number") process.exit(message.initFailed);
      if (message?.crashed) crashed = message.crashed;
    });
    // An error the worker could not even report (it failed before its own listeners were installed).
    worker.on("error", (error) => process.stderr.write(`Runtime worker failed: ${String(error)}\n`));
    worker.on("exit", (code) => {
      running--;
      const status = crashed?.status ?? (code === 0 ? 129 : code);
      const ids = crashed?.ids ?? [];
      let left = ids.length;
      const done = () => {
        if (running === 0) process.exit(status);
      };
      if (left === 0) return done();
      client ??= new RapidClient(process.env.AWS_LAMBDA_RUNTIME_API ?? "", false, undefined, false);
      for (const id of ids)
        client.postErrorBody(crashed?.error as RapidError, id, () => {
          left--;
          if (left === 0) done();
        });
    });
  }
}
