/** Small statistics helpers for the benchmarks: percentiles over latency samples, in ms. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}×`;
}

export function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

export interface LoopResult {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** `concurrency` closed loops of `call` for `seconds`: throughput and latency percentiles (ms). */
export async function closedLoops(
  concurrency: number,
  seconds: number,
  call: () => Promise<unknown>,
): Promise<LoopResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await call();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return {
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}
