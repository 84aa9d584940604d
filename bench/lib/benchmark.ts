import type { Teardown } from './teardown.ts';

/** What bench/run.ts hands to a benchmark. */
export interface BenchContext {
  /** Arguments after the benchmark's name. */
  argv: string[];
  /** Register every resource here; the runner releases them all, also after an error. */
  teardown: Teardown;
  /** Aborted on SIGINT/SIGTERM: stop generating load and return. */
  signal: AbortSignal;
}

export interface Benchmark {
  /** Flag descriptions for the usage text. */
  usage: string;
  /** Runs the benchmark and prints its report; throws UsageError for bad arguments. */
  run(ctx: BenchContext): Promise<void>;
}

/** Wraps a close function so that it runs once, however often (phase end, teardown) it is called. */
export function once(fn: () => Promise<unknown>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn().then(() => undefined);
    return done;
  };
}

/** Progress notes go to stderr, so that stdout carries only the report. */
export function note(msg: string): void {
  process.stderr.write(`· ${msg}\n`);
}
