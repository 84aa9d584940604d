import type { Content, CustomTableLayout, TableCell } from 'pdfmake/interfaces.js';
import type { CardLabel } from './labels.ts';
import { bothScripts, type Fit, fitText, LINE, plain } from './text.ts';

/** Building blocks shared by the two cards. */

export const GREY = '#555555';

/** Thin ruled grid used by the cards. */
export function gridLayout(scale: number, pad = 2.5): CustomTableLayout {
  return {
    hLineWidth: () => 0.5,
    vLineWidth: () => 0.5,
    hLineColor: () => '#333333',
    vLineColor: () => '#333333',
    paddingLeft: () => pad * scale,
    paddingRight: () => pad * scale,
    paddingTop: () => 1.5 * scale,
    paddingBottom: () => 1.5 * scale,
  };
}

export interface LabelLanguages {
  primary: keyof CardLabel;
  secondary: keyof CardLabel;
}

/**
 * A bilingual label as one paragraph: "<n>. primary / secondary" (wraps as needed). `struck` crosses it
 * out, as the Annex asks for what is not applicable.
 */
export function label(
  l: CardLabel,
  langs: LabelLanguages,
  size: number,
  opts: { number?: string; struck?: boolean; bold?: boolean } = {},
): Content {
  const decoration = opts.struck ? ('lineThrough' as const) : undefined;
  const parts: Content[] = [];
  if (opts.number) parts.push({ text: `${opts.number}. `, bold: true });
  parts.push({ text: l[langs.primary], bold: opts.bold ?? false, decoration });
  parts.push({ text: ' / ', color: GREY });
  parts.push({ text: l[langs.secondary], italics: true, color: GREY, bold: opts.bold ?? false, decoration });
  return { text: parts, fontSize: size, lineHeight: 1 };
}

/** A user value fitted into a box `width` × `height` (points): shrunk, then truncated if need be. */
export function value(raw: string, width: number, height: number, max: number, min: number): Content {
  const fit: Fit = fitText(plain(raw), width, height, max, min);
  return { text: fit.text, fontSize: fit.fontSize, bold: true, lineHeight: 1 };
}

/**
 * A name in a box: "Original (Latin)" when that fits at `readable` pt or more, else the original and the
 * Latin form each fitted into half the box, so that neither script is lost to truncation.
 */
export function nameValue(
  name: { original: string; latin: string },
  width: number,
  height: number,
  max: number,
  min: number,
  readable: number,
): Content[] {
  const inline = bothScripts(name);
  const original = plain(name.original);
  const latin = plain(name.latin);
  if (inline === original || fitText(inline, width, height, max, min).fontSize >= readable) {
    return [value(inline, width, height, max, min)];
  }
  return [value(original, width, height / 2, max, min), value(latin, width, height / 2, max, min)];
}

/** Height in points of `lines` lines at `size`. */
export function linesHeight(lines: number, size: number): number {
  return lines * size * LINE;
}

/** Spanned cell for a `columns`-column grid: the cell followed by the empty placeholders pdfmake expects. */
export function span(cell: Content, n: number): TableCell[] {
  const first = { ...(cell as object), colSpan: n } as TableCell;
  return [first, ...Array.from({ length: n - 1 }, () => ({}) as TableCell)];
}

/**
 * Inner width (points) of a cell spanning `n` of `columns` equal columns of a grid `total` wide, with
 * `pad` left/right padding and 0.5 pt rules.
 */
export function spanWidth(total: number, columns: number, n: number, pad: number): number {
  const col = (total - columns * 2 * pad - (columns + 1) * 0.5) / columns;
  return n * col + (n - 1) * (2 * pad + 0.5);
}
