/** Plain-text tables for benchmark output: the first row is the header, columns padded to fit. */
export function table(rows: string[][], align: Array<'left' | 'right'> = []): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const line = (row: string[]) =>
    row
      .map((cell, i) => {
        const w = widths[i] ?? 0;
        return (align[i] ?? (i === 0 ? 'left' : 'right')) === 'left' ? cell.padEnd(w) : cell.padStart(w);
      })
      .join('  ')
      .trimEnd();
  const [head, ...body] = rows;
  if (!head) return '';
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(head), rule, ...body.map(line)].join('\n');
}

/** Fixed decimals, or "n/a" for a missing / non-finite value. */
export function fmt(n: number | undefined, decimals = 1): string {
  return n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(decimals);
}

/** Rounds every number in a JSON-bound value to `decimals`, so the JSON line stays readable. */
export function roundNumbers<T>(value: T, decimals = 3): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) =>
      typeof v === 'number' && Number.isFinite(v) ? Number(v.toFixed(decimals)) : v,
    ),
  ) as T;
}
