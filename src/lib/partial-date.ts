/**
 * Dates as people type them (issue #14). Russians and Ukrainians write day first — `15.03.1990`,
 * `15/03/1990` — and ISO dates are often typed without zeros (`1990-3-15`). Accepted: `YYYY-M-D`,
 * `D.M.YYYY`, `D/M/YYYY`, `D-M-YYYY`, `M.YYYY`, `M/YYYY`, `YYYY-M`, `YYYY`; full-width digits and
 * spaces around separators too. A dotted or slashed date is always day first (never US month first): an
 * impossible day/month is refused rather than guessed. The result is ISO (`1990-03-15`, `1990-03` or
 * `1990`) so that everything stored and compared stays one form; `describeDate` says back in words what
 * was understood, so nobody has to wonder whether 05.03 was May or March.
 */
export type PartialIsoDate = string;

const pad = (n: number) => String(n).padStart(2, '0');

function exists(y: number, m?: number, d?: number): boolean {
  if (!Number.isInteger(y) || y < 1900 || y > 2100) return false;
  if (m === undefined) return true;
  if (!Number.isInteger(m) || m < 1 || m > 12) return false;
  if (d === undefined) return true;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

export function parsePartialDate(input: string): PartialIsoDate | null {
  const t = input
    .normalize('NFKC') // full-width digits and separators
    .trim()
    .replace(/\s*([./-])\s*/g, '$1')
    .replace(/[.]$/, ''); // «15.03.1990.»
  const iso = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/.exec(t);
  const dayFirst = /^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$/.exec(t);
  const monthYear = /^(\d{1,2})[./](\d{4})$/.exec(t);
  let y: number;
  let mo: number | undefined;
  let d: number | undefined;
  if (iso) {
    y = Number(iso[1]);
    mo = iso[2] === undefined ? undefined : Number(iso[2]);
    d = iso[3] === undefined ? undefined : Number(iso[3]);
  } else if (dayFirst) {
    d = Number(dayFirst[1]);
    mo = Number(dayFirst[3]);
    y = Number(dayFirst[4]);
  } else if (monthYear) {
    mo = Number(monthYear[1]);
    y = Number(monthYear[2]);
  } else return null;
  if (!exists(y, mo, d)) return null;
  return [String(y), mo === undefined ? null : pad(mo), d === undefined ? null : pad(d)]
    .filter((x) => x !== null)
    .join('-');
}
