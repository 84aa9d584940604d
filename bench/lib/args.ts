import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.ts';

/** Thrown for bad command-line input: the runner prints usage and exits with status 2. */
export class UsageError extends Error {}

export interface LoadArgs {
  /** Concurrent clients (closed loop: each sends its next request when the previous one completes). */
  concurrency: number;
  /** Measured seconds per phase. */
  durationS: number;
  /** Unmeasured seconds before each phase. */
  warmupS: number;
  /** Database pool size, for the app and for the raw-PostgreSQL phase alike. */
  pool: number;
}

export const LOAD_ARGS_USAGE = `  --concurrency N   concurrent clients (default 50)
  --duration S      measured seconds per phase (default 10)
  --warmup S        unmeasured warm-up seconds before each phase (default 2)
  --pool N          database pool size (default: the app's, i.e. WHITEFLAG_DB_POOL or 20)`;

function parseFlags(argv: string[], extra: readonly string[]): Record<string, string | undefined> {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(
        ['concurrency', 'duration', 'warmup', 'pool', ...extra].map((k) => [k, { type: 'string' as const }]),
      ),
    }).values as Record<string, string | undefined>;
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** A numeric flag's value, or `fallback` when absent; a UsageError when it breaks the rule. */
export function numberFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  rule: { integer: boolean; min: number },
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < rule.min || (rule.integer && !Number.isInteger(n)))
    throw new UsageError(
      `--${name} must be ${rule.integer ? 'an integer' : 'a number'} ≥ ${rule.min}, got "${raw}"`,
    );
  return n;
}

/**
 * Parses the flags every load benchmark shares, and the benchmark's own `extra` ones (returned as
 * strings in `more`); anything else is a usage error.
 */
export function parseLoadArgs(
  argv: string[],
  extra: readonly string[] = [],
): LoadArgs & { more: Record<string, string | undefined> } {
  const flags = parseFlags(argv, extra);
  // The app's own default, so that "the same pool as the app" stays true if that default changes.
  const appPool = loadConfig({ WHITEFLAG_DB_POOL: process.env.WHITEFLAG_DB_POOL }).database.poolSize;
  return {
    concurrency: numberFlag('concurrency', flags.concurrency, 50, { integer: true, min: 1 }),
    durationS: numberFlag('duration', flags.duration, 10, { integer: false, min: 0.1 }),
    warmupS: numberFlag('warmup', flags.warmup, 2, { integer: false, min: 0 }),
    pool: numberFlag('pool', flags.pool, appPool, { integer: true, min: 1 }),
    more: Object.fromEntries(extra.map((k) => [k, flags[k]])),
  };
}
