import path from 'node:path';
import pdfmake from 'pdfmake';
import type { TDocumentDefinitions } from 'pdfmake/interfaces.js';
import { FONT_FILES, FONTS, withScriptFonts } from './fonts.ts';

export { FONT_FAMILY } from './fonts.ts';

/**
 * A private pdfmake 0.3 instance for the POW documents.
 *
 * `pdfmake` (0.3) exports one shared instance; fonts and access policies set on it would leak to any other
 * code in the process that uses pdfmake. We build our own instance from its constructor instead, register
 * the fonts of `fonts.ts` (Roboto, and Nanum Gothic for Hangul runs) by absolute path, forbid every URL
 * and allow only those font files to be read from disk. No document definition built here refers to a
 * file or URL; the policies make sure that stays true.
 *
 * @types/pdfmake 0.3.x matches the 0.3 API (`addFonts`, `setUrlAccessPolicy`, `setLocalAccessPolicy`,
 * `createPdf(doc).getBuffer()`), so no local declaration is needed beyond the constructor cast below.
 */
type PdfMake = typeof pdfmake;

let instance: PdfMake | undefined;
function engine(): PdfMake {
  if (!instance) {
    const Ctor = (pdfmake as unknown as { constructor: new () => PdfMake }).constructor;
    const created = new Ctor();
    created.setFonts(structuredClone(FONTS));
    created.setUrlAccessPolicy(() => false);
    created.setLocalAccessPolicy((file) => FONT_FILES.has(path.resolve(file)));
    instance = created;
  }
  return instance;
}

/** pdfmake reads this (Printer.createPdfKitDocument) but @types/pdfmake does not declare it. */
type DocDefinition = TDocumentDefinitions & { maxPagesNumber?: number };

/** 1 cm in PDF points. */
export const CM = 72 / 2.54;

/**
 * Renders a document that must fit in `maxPages` pages. `build(scale)` must return a fresh definition (pdfmake
 * mutates the one it is given); `scale` is 1 on the first attempt and smaller on later ones, for builders to
 * multiply their font sizes and paddings by. If the layout still needs more pages at the smallest scale, the
 * result is cut at `maxPages` (builders also truncate values so that this is not reached in practice).
 */
export async function renderFitted(
  build: (scale: number) => TDocumentDefinitions,
  maxPages: number,
  scales: readonly number[] = [1, 0.9, 0.8, 0.7, 0.6],
): Promise<Buffer> {
  let last: Buffer | undefined;
  for (const [i, scale] of scales.entries()) {
    let pageCount = 0;
    const doc: DocDefinition = withPageCounter(withScriptFonts(build(scale)), (n) => {
      pageCount = n;
    });
    if (i === scales.length - 1) doc.maxPagesNumber = maxPages;
    last = await engine().createPdf(doc).getBuffer();
    if (pageCount <= maxPages) return last;
  }
  return last!;
}

/** Renders a document whose page count is free (e.g. a long table). */
export function render(doc: TDocumentDefinitions): Promise<Buffer> {
  return engine().createPdf(withScriptFonts(doc)).getBuffer();
}

/** Wraps (or adds) the footer so that the page count of the final layout is reported. */
function withPageCounter(doc: TDocumentDefinitions, report: (pages: number) => void): TDocumentDefinitions {
  const footer = doc.footer;
  return {
    ...doc,
    footer: (currentPage, pageCount, pageSize) => {
      report(pageCount);
      if (typeof footer === 'function') return footer(currentPage, pageCount, pageSize);
      return footer ?? null;
    },
  };
}

/** A fixed document date (from the input, not the clock) so the same input gives the same bytes. */
export function documentDate(isoDateOrTimestamp: string): Date {
  const d = new Date(
    /^\d{4}-\d{2}-\d{2}$/.test(isoDateOrTimestamp) ? `${isoDateOrTimestamp}T00:00:00Z` : isoDateOrTimestamp,
  );
  return Number.isNaN(d.getTime()) ? new Date(0) : d;
}
