import type { Content, TableCell, TDocumentDefinitions } from 'pdfmake/interfaces.js';
import type { PowIdentity } from '../record.ts';
import { CM, documentDate, FONT_FAMILY, renderFitted } from './engine.ts';
import {
  type CardLabel,
  healthLabels,
  captureCardLabels as L,
  primaryLanguage,
  secondaryLanguage,
} from './labels.ts';
import {
  GREY,
  gridLayout,
  type LabelLanguages,
  label,
  linesHeight,
  nameValue,
  span,
  spanWidth,
  value,
} from './layout.ts';
import { plain } from './text.ts';

export interface CaptureCardInput {
  identity: PowIdentity;
  /** The prisoner number, e.g. 'PW-000123'. */
  recordRef: string;
  facility: { name: string; address?: string } | null;
  /** Previous camp/hospital when the card is for a transfer/admission. */
  comingFrom?: string;
  reason: 'arrival' | 'transfer' | 'hospital';
  /** YYYY-MM-DD */
  issuedOn: string;
  secondLanguage: 'uk' | 'en';
}

/** Annex IV B: "Actual size: 10 × 15 cm", drawn as a landscape postcard. */
export const CAPTURE_CARD_SIZE = { width: 15 * CM, height: 10 * CM } as const;
const MARGIN = 12;
const PAD = 2.5;
const COLUMNS = 6;
const NBSP = '\u00a0';

/**
 * The capture card of GC III art. 70 / Annex IV B, two pages of 15 × 10 cm: the address side, then the
 * numbered items 1–14 filled in from the record. Labels are in the prisoner's language and a second one.
 */
export function renderCaptureCard(input: CaptureCardInput): Promise<Buffer> {
  return renderFitted((scale) => captureCardDefinition(input, scale), 2);
}

function captureCardDefinition(input: CaptureCardInput, scale: number): TDocumentDefinitions {
  const primary = primaryLanguage(input.identity.languages);
  const langs: LabelLanguages = { primary, secondary: secondaryLanguage(primary, input.secondLanguage) };
  const date = documentDate(input.issuedOn);
  return {
    pageSize: { ...CAPTURE_CARD_SIZE },
    pageOrientation: 'landscape',
    pageMargins: MARGIN,
    info: {
      title: `Capture card (GC III Annex IV B) ${plain(input.recordRef)}`,
      subject: 'Capture card for prisoner of war',
      creationDate: date,
      modDate: date,
    },
    defaultStyle: { font: FONT_FAMILY, fontSize: 6, lineHeight: 1 },
    content: [...front(langs), reverse(input, langs, scale)],
  };
}

function both(l: CardLabel, langs: LabelLanguages): string {
  return `${l[langs.primary]} / ${l[langs.secondary]}`;
}

/** The address side. Fixed text only: no user data, so it never needs fitting. */
function front(langs: LabelLanguages): Content[] {
  const width = CAPTURE_CARD_SIZE.width - 2 * MARGIN;
  return [
    {
      columns: [
        {
          width: '*',
          stack: [
            { text: L.mail[langs.primary], bold: true, fontSize: 10 },
            { text: L.mail[langs.secondary], bold: true, italics: true, fontSize: 8, color: GREY },
          ],
        },
        {
          width: 90,
          table: {
            widths: ['*'],
            body: [
              [
                {
                  stack: [
                    { text: L.postageFree[langs.primary], bold: true, fontSize: 8 },
                    { text: L.postageFree[langs.secondary], italics: true, fontSize: 7, color: GREY },
                  ],
                  alignment: 'center',
                  margin: [0, 6, 0, 6],
                },
              ],
            ],
          },
          layout: { hLineWidth: () => 0.5, vLineWidth: () => 0.5 },
        },
      ],
    },
    {
      stack: [
        { text: L.title[langs.primary], bold: true, fontSize: 11 },
        { text: L.title[langs.secondary], bold: true, italics: true, fontSize: 9, color: GREY },
      ],
      alignment: 'center',
      margin: [0, 14, 0, 0],
    },
    {
      columns: [
        {
          width: width * 0.44,
          stack: [
            { text: both(L.important, langs), bold: true, fontSize: 6.5, margin: [0, 0, 0, 2] },
            { text: L.importantText[langs.primary], fontSize: 5.5, margin: [0, 0, 0, 2] },
            { text: L.importantText[langs.secondary], fontSize: 5, italics: true, color: GREY },
          ],
        },
        {
          width: '*',
          margin: [24, 0, 0, 0],
          stack: [
            ...[
              'CENTRAL PRISONERS OF WAR AGENCY',
              'INTERNATIONAL COMMITTEE OF THE RED CROSS',
              'GENEVA',
              'SWITZERLAND',
            ].map(
              (line): Content => ({
                text: line,
                bold: true,
                fontSize: 8.5,
                margin: [0, 0, 0, 6],
              }),
            ),
            {
              text: L.agency[langs.primary],
              fontSize: 5,
              color: GREY,
            },
          ],
        },
      ],
      margin: [0, 40, 0, 0],
    },
  ];
}

/** The numbered items 1–14 as a ruled 6-column grid. */
function reverse(input: CaptureCardInput, langs: LabelLanguages, scale: number): Content {
  const id = input.identity;
  const total = CAPTURE_CARD_SIZE.width - 2 * MARGIN;
  const pad = PAD * scale;
  const w = (n: number) => spanWidth(total, COLUMNS, n, pad);
  const labelSize = 5.6 * scale;
  const max = 8.5 * scale;
  const min = 4 * scale;
  /** A cell: numbered bilingual label over the fitted value, the value box `lines` lines of `max` high. */
  const cell = (
    n: number,
    cols: number,
    l: CardLabel,
    raw: string,
    /** '' for a continuation cell of the same item (no number shown). */
    opts: { number?: string; lines?: number; struck?: boolean } = {},
  ): TableCell[] =>
    span(
      {
        stack: [
          label(l, langs, labelSize, { number: opts.number ?? String(n), struck: opts.struck ?? false }),
          value(raw, w(cols), linesHeight(opts.lines ?? 1, max), max, min),
        ],
      },
      cols,
    );

  /** Items 2 and 3: the name in both scripts. */
  const nameCell = (n: number, l: CardLabel, name: { original: string; latin: string }): TableCell[] =>
    span(
      {
        stack: [
          label(l, langs, labelSize, { number: String(n) }),
          ...nameValue(name, w(2), linesHeight(2, max), max, min, 6 * scale),
        ],
      },
      2,
    );
  const family = id.personToInform
    ? [plain(id.personToInform.name), plain(id.personToInform.address)].filter(Boolean).join(', ')
    : '';
  const camp = input.facility
    ? [plain(input.facility.name), plain(input.facility.address)].filter(Boolean).join(', ')
    : '';
  const comingFrom = plain(input.comingFrom);
  // Item 10: "Taken prisoner on … (or) Coming from …": strike out "coming from" when it does not apply.
  const comingFromStruck = !comingFrom && input.reason === 'arrival';

  const body: TableCell[][] = [
    [...cell(1, 6, L.item1, id.powerDependedOn ?? '')],
    [
      ...nameCell(2, L.item2, id.surname),
      ...nameCell(3, L.item3, id.firstNames),
      ...cell(4, 2, L.item4, id.fatherFirstName ?? '', { lines: 2 }),
    ],
    [...cell(5, 2, L.item5, id.dateOfBirth ?? ''), ...cell(6, 4, L.item6, id.placeOfBirth ?? '')],
    [...cell(7, 3, L.item7, id.rank ?? ''), ...cell(8, 3, L.item8, id.serviceNumber ?? '')],
    [...cell(9, 6, L.item9, family, { lines: 2 })],
    [
      ...cell(10, 2, L.item10taken, id.captureDate),
      ...cell(10, 4, L.item10coming, comingFrom, { number: '', struck: comingFromStruck }),
    ],
    [...span(health(input.identity.health, langs, 5.6 * scale), 6)],
    [
      ...span(
        {
          stack: [
            {
              text: [
                { text: '12. ', bold: true },
                { text: `${L.item12[langs.primary]}: ${L.item12number[langs.primary]}` },
                { text: ' / ', color: GREY },
                {
                  text: `${L.item12[langs.secondary]}: ${L.item12number[langs.secondary]}`,
                  italics: true,
                  color: GREY,
                },
              ],
              fontSize: labelSize,
              lineHeight: 1,
            },
            value(input.recordRef, w(2), linesHeight(1, max), max, min),
          ],
        },
        2,
      ),
      ...cell(12, 4, L.item12camp, camp, { number: '', lines: 2 }),
    ],
    [
      ...cell(13, 2, L.item13, input.issuedOn),
      ...span(
        {
          stack: [label(L.item14, langs, labelSize, { number: '14' }), { text: ' ', fontSize: 16 * scale }],
        },
        4,
      ),
    ],
  ];
  return {
    pageBreak: 'before',
    stack: [
      {
        text: [
          { text: `${L.writeLegibly[langs.primary]} / ` },
          { text: L.writeLegibly[langs.secondary], italics: true, color: GREY },
          { text: ` — * ${L.strikeOut[langs.primary]} / ` },
          { text: L.strikeOut[langs.secondary], italics: true, color: GREY },
        ],
        fontSize: 4.8 * scale,
        lineHeight: 1,
        margin: [0, 0, 0, 2 * scale],
      },
      {
        // fixed widths: with '*' pdfmake would widen a column to fit an unbreakable word
        table: { widths: Array.from({ length: COLUMNS }, () => w(1)), body },
        layout: gridLayout(scale, PAD),
      },
    ],
  };
}

/** Item 11: all seven states; the one that applies marked ●, the others struck out (as the Annex asks). */
function health(state: PowIdentity['health'], langs: LabelLanguages, size: number): Content {
  const parts: Content[] = [{ text: '11. * ', bold: true }];
  const nb = (text: string) => text.replace(/ /g, NBSP);
  for (const [key, h] of Object.entries(healthLabels)) {
    const chosen = key === state;
    const decoration = chosen ? undefined : ('lineThrough' as const);
    // marker, letter and label in one run with no-break spaces: pdfmake may break between runs
    parts.push({
      text: nb(`${chosen ? '●' : '○'} (${h.letter}) ${h.label[langs.primary]}`),
      bold: chosen,
      decoration,
    });
    parts.push({ text: nb(' / '), color: GREY });
    parts.push({ text: nb(h.label[langs.secondary]), italics: true, bold: chosen, color: GREY, decoration });
    parts.push({ text: '   ' });
  }
  return { text: parts, fontSize: size, lineHeight: 1.15 };
}
