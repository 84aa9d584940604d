/**
 * Spike detection on a daily series, pure: a day is a spike when it stands far above the recent
 * trend — robust z-score against the median and MAD of the previous `window` days (robust to the
 * spikes themselves, unlike mean/stddev). Mobilisation waves and front-line events make requests jump
 * tenfold; a quiet series with small counts should not raise alarms (`minCount`).
 */
export interface Spike {
  day: string;
  count: number;
  baseline: number;
  score: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function detectSpikes(
  series: Array<{ day: string; count: number }>,
  opts: { window?: number; threshold?: number; minCount?: number; minHistory?: number } = {},
): Spike[] {
  const window = opts.window ?? 28;
  const threshold = opts.threshold ?? 3.5;
  const minCount = opts.minCount ?? 10;
  const minHistory = opts.minHistory ?? 7;
  const out: Spike[] = [];
  for (let i = 0; i < series.length; i++) {
    const point = series[i] as { day: string; count: number };
    const history = series.slice(Math.max(0, i - window), i).map((p) => p.count);
    if (history.length < minHistory || point.count < minCount) continue;
    const med = median(history);
    const mad = median(history.map((x) => Math.abs(x - med)));
    // 1.4826·MAD estimates the standard deviation; a floor keeps flat series from dividing by ~0.
    const scale = Math.max(1.4826 * mad, Math.sqrt(Math.max(med, 1)));
    const score = (point.count - med) / scale;
    if (score >= threshold)
      out.push({ day: point.day, count: point.count, baseline: med, score: Math.round(score * 10) / 10 });
  }
  return out;
}

/** Hides small numbers in public statistics so that no single person's action can be inferred. */
export const SUPPRESS_BELOW = 10;
export function suppress(n: number): number | '<10' {
  return n < SUPPRESS_BELOW ? '<10' : n;
}
