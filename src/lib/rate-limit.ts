import type { Clock } from '../clock.ts';

/**
 * In-memory token buckets keyed by an opaque string (a blind index, a receipt look-up hash, or one
 * global key) — never by IP address: every Tor visitor shares a handful of exit addresses. Per
 * process; with several instances each enforces its own share.
 */
export interface RateLimiter {
  /** Takes one token; false when the bucket is empty. */
  take(key: string): boolean;
  /** Seconds until one token is available again (for Retry-After). */
  retryAfter(key: string): number;
  reset(key: string): void;
}

export function createRateLimiter(opts: {
  capacity: number;
  refillPerSecond: number;
  clock: Clock;
  maxKeys?: number;
}): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const maxKeys = opts.maxKeys ?? 100_000;

  function bucket(key: string) {
    const now = opts.clock.now().getTime();
    let b = buckets.get(key);
    if (!b) {
      if (buckets.size >= maxKeys) {
        // Drop the oldest key (Map keeps insertion order) so a flood of keys cannot exhaust memory.
        const first = buckets.keys().next();
        if (!first.done) buckets.delete(first.value);
      }
      b = { tokens: opts.capacity, at: now };
      buckets.set(key, b);
    }
    b.tokens = Math.min(opts.capacity, b.tokens + ((now - b.at) / 1000) * opts.refillPerSecond);
    b.at = now;
    return b;
  }

  return {
    take(key) {
      const b = bucket(key);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
    retryAfter(key) {
      const b = bucket(key);
      return b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / opts.refillPerSecond);
    },
    reset(key) {
      buckets.delete(key);
    },
  };
}
