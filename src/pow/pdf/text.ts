/**
 * Text helpers shared by the POW documents.
 *
 * User data only ever reaches pdfmake as a plain string in a `text` property (pdfmake has no markup language,
 * so braces, backslashes or `{ text: ... }`-like content print as themselves); `plain` also strips control
 * characters and lone surrogates so that nothing odd reaches the PDF text layer.
 */
export function plain(value: unknown): string {
  if (value === undefined || value === null) return '';
  return (
    String(value)
      // lone surrogates (String#toWellFormed is not in the ES2023 lib)
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
      .replace(/\r\n?/g, '\n')
      .replace(/\t/g, ' ')
      // C0/C1 controls except newline, and bidi overrides / zero-width characters that could reorder text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
      .trim()
  );
}

/** A name as "Original (Latin)", or just one of them when the other is empty or the same. */
export function bothScripts(name: { original: string; latin: string } | undefined): string {
  if (!name) return '';
  const original = plain(name.original);
  const latin = plain(name.latin);
  if (!latin || latin === original) return original;
  if (!original) return latin;
  return `${original} (${latin})`;
}

/**
 * Approximate advance width of a string in Roboto at 1 pt, from per-character classes (measured from
 * Roboto-Regular: Latin lowercase ≈ 0.50 em, Cyrillic lowercase ≈ 0.59 em, capitals ≈ 0.63–0.70 em, the widest capitals
 * Ж Ш Щ Ю M W ≈ 0.85 em; Hangul syllables are 0.94 em in Nanum Gothic). It errs on the wide side: it only
 * decides font sizes, pdfmake wraps for real.
 */
export function approxWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    if (ch === ' ') w += 0.25;
    else if ('ЖШЩЮМWMжшщю'.includes(ch)) w += 0.88;
    else if (/[A-ZА-ЯЁЄІЇҐ]/.test(ch)) w += 0.7;
    else if (/[0-9]/.test(ch)) w += 0.57;
    else if (/[.,:;'’()|!ilії-]/.test(ch)) w += 0.3;
    else if (/[a-z]/.test(ch)) w += 0.52;
    else if (/\p{Script=Hangul}/u.test(ch)) w += 0.95;
    else w += 0.62;
  }
  return w;
}

export interface Fit {
  text: string;
  fontSize: number;
}

/** Line height factor pdfmake uses for Roboto at lineHeight 1. */
export const LINE = 1.17;

/**
 * Chooses the largest font size in [min, max] at which `text` fits in a box `width` wide and `height`
 * high (allowing for word-wrap waste), and truncates it with an ellipsis if it does not fit even at `min`.
 */
export function fitText(text: string, width: number, height: number, max: number, min: number): Fit {
  const lines = (size: number) => Math.max(1, Math.floor(height / (size * LINE)));
  const fits = (s: string, size: number) => {
    const n = lines(size);
    // each wrapped line loses on average part of a word at its end
    const usable = n === 1 ? width : width * n * 0.9;
    return approxWidth(s) * size <= usable;
  };
  for (let size = max; size >= min - 1e-9; size -= 0.25) {
    if (fits(text, size)) return { text, fontSize: round(size) };
  }
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(`${chars.slice(0, mid).join('')}…`, min)) lo = mid;
    else hi = mid - 1;
  }
  return { text: `${chars.slice(0, lo).join('').trimEnd()}…`, fontSize: round(min) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
