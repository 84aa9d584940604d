import { performance } from 'node:perf_hooks';

/**
 * Closed-loop load: `concurrency` clients, each starting its next operation as soon as the previous
 * one finishes. The first `warmupMs` are not measured; an operation counts when it *completes*
 * inside the measured window. When the window closes no new operation starts and the in-flight ones
 * are awaited (uncounted), so the caller can shut down without stray work.
 */
export interface LoadOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** One operation. Resolves to an outcome label; `success` is the label that counts as success. */
  op: (client: number) => Promise<string>;
  success: string;
  signal?: AbortSignal | undefined;
  /** Called when the measured window opens and closes (to snapshot server-side counters). */
  onWindow?: ((edge: 'start' | 'end') => void) | undefined;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  concurrency: number;
  /** Actual length of the measured window, ms. */
  windowMs: number;
  successes: number;
  /** Successes per second over the measured window. */
  rate: number;
  /** Latency of the successful operations completed in the window, ms. */
  latencyMs: LatencySummary;
  /** Every outcome completed in the window, success included, by label. */
  outcomes: Record<string, number>;
  /** The first few distinct error messages (thrown operations), for diagnosis. */
  errorSamples: string[];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

export function summarize(latencies: number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

export async function runClosedLoop(opts: LoadOptions): Promise<LoadResult> {
  const start = performance.now();
  const windowStart = start + opts.warmupMs;
  const windowEnd = windowStart + opts.durationMs;
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  const errorSamples = new Set<string>();
  let windowOpened = false;
  let windowClosed = false;
  const openWindow = () => {
    windowOpened = true;
    opts.onWindow?.('start');
  };
  const closeWindow = () => {
    if (!windowOpened || windowClosed) return;
    windowClosed = true;
    opts.onWindow?.('end');
  };
  const openTimer = setTimeout(openWindow, opts.warmupMs);
  const closeTimer = setTimeout(closeWindow, opts.warmupMs + opts.durationMs);

  async function client(id: number): Promise<void> {
    while (!opts.signal?.aborted && performance.now() < windowEnd) {
      const t0 = performance.now();
      let outcome: string;
      try {
        outcome = await opts.op(id);
      } catch (e) {
        const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        if (errorSamples.size < 5) errorSamples.add(message);
        outcome = 'error';
      }
      const t1 = performance.now();
      if (t1 < windowStart || t1 > windowEnd) continue;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === opts.success) latencies.push(t1 - t0);
    }
  }

  try {
    await Promise.all(Array.from({ length: opts.concurrency }, (_, i) => client(i)));
  } finally {
    clearTimeout(openTimer);
    clearTimeout(closeTimer);
    closeWindow();
  }
  if (!windowOpened && !opts.signal?.aborted) throw new Error('load ended before the measured window opened');
  const windowMs = Math.min(performance.now(), windowEnd) - windowStart;
  return {
    concurrency: opts.concurrency,
    windowMs,
    successes: latencies.length,
    rate: windowMs > 0 ? (latencies.length * 1000) / windowMs : 0,
    latencyMs: summarize(latencies),
    outcomes,
    errorSamples: [...errorSamples],
  };
}
