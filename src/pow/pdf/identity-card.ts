import type { Content, TableCell, TDocumentDefinitions } from 'pdfmake/interfaces.js';
import type { PowIdentity } from '../record.ts';
import { CM, documentDate, FONT_FAMILY, renderFitted } from './engine.ts';
import { type CardLabel, identityCardLabels as L, primaryLanguage, secondaryLanguage } from './labels.ts';
import { GREY, gridLayout, type LabelLanguages, label, linesHeight, nameValue, value } from './layout.ts';
import { plain } from './text.ts';

export interface IdentityCardInput {
  identity: PowIdentity;
  /** The prisoner number, e.g. 'PW-000123'. */
  recordRef: string;
  /** The Power (authority) issuing the card. */
  issuedBy: string;
  /** YYYY-MM-DD */
  issuedOn: string;
  secondLanguage: 'uk' | 'en';
}

/**
 * Annex IV A: the card is 13 × 10 cm folded in two; each half, and so each page here, is 6.5 × 10 cm
 * (portrait). Page 1 holds the identity, page 2 the signature, fingerprint and stamp boxes (left empty).
 */
export const IDENTITY_CARD_SIZE = { width: 6.5 * CM, height: 10 * CM } as const;
const MARGIN = 8;
const PAD = 2;

/** The identity card of GC III art. 17 / Annex IV A, two pages of 6.5 × 10 cm. */
export function renderIdentityCard(input: IdentityCardInput): Promise<Buffer> {
  return renderFitted((scale) => identityCardDefinition(input, scale), 2);
}

function identityCardDefinition(input: IdentityCardInput, scale: number): TDocumentDefinitions {
  const primary = primaryLanguage(input.identity.languages);
  const langs: LabelLanguages = { primary, secondary: secondaryLanguage(primary, input.secondLanguage) };
  const date = documentDate(input.issuedOn);
  return {
    pageSize: { ...IDENTITY_CARD_SIZE },
    pageOrientation: 'portrait',
    pageMargins: MARGIN,
    info: {
      title: `Identity card (GC III Annex IV A) ${plain(input.recordRef)}`,
      subject: 'Identity card for a prisoner of war',
      creationDate: date,
      modDate: date,
    },
    defaultStyle: { font: FONT_FAMILY, fontSize: 6, lineHeight: 1 },
    content: [...front(input, langs, scale), ...back(input, langs, scale)],
  };
}

function front(input: IdentityCardInput, langs: LabelLanguages, scale: number): Content[] {
  const id = input.identity;
  const inner = IDENTITY_CARD_SIZE.width - 2 * MARGIN - 2 * PAD * scale - 1;
  const labelSize = 4.8 * scale;
  const max = 7.5 * scale;
  const min = 3.6 * scale;
  const row = (l: CardLabel, raw: string): TableCell[] => [
    { stack: [label(l, langs, labelSize), value(raw, inner, linesHeight(1, max), max, min)] },
  ];
  const nameRow = (l: CardLabel, name: { original: string; latin: string }): TableCell[] => [
    {
      stack: [
        label(l, langs, labelSize),
        ...nameValue(name, inner, linesHeight(2, max), max, min, 5.5 * scale),
      ],
    },
  ];
  return [
    {
      stack: [
        value(
          input.issuedBy,
          IDENTITY_CARD_SIZE.width - 2 * MARGIN,
          linesHeight(2, 7 * scale),
          7 * scale,
          min,
        ),
        label(L.issuingPower, langs, 4.2 * scale),
      ],
      alignment: 'center',
    },
    {
      stack: [
        { text: L.title[langs.primary], bold: true, fontSize: 6.6 * scale },
        { text: L.title[langs.secondary], bold: true, italics: true, color: GREY, fontSize: 5.6 * scale },
      ],
      alignment: 'center',
      margin: [0, 5 * scale, 0, 4 * scale],
    },
    {
      table: {
        widths: [inner],
        body: [
          nameRow(L.surname, id.surname),
          nameRow(L.firstNames, id.firstNames),
          row(L.dateOfBirth, id.dateOfBirth ?? ''),
          row(L.rank, id.rank ?? ''),
          row(L.serviceNumber, id.serviceNumber ?? ''),
          row(L.powerDependedOn, id.powerDependedOn ?? ''),
          row(L.prisonerNumber, input.recordRef),
        ],
      },
      layout: gridLayout(scale, PAD),
    },
  ];
}

/** Empty boxes for the bearer's signature, the fingerprints and the issuing authority's stamp. */
function back(input: IdentityCardInput, langs: LabelLanguages, scale: number): Content[] {
  const labelSize = 4.8 * scale;
  const inner = IDENTITY_CARD_SIZE.width - 2 * MARGIN - 2 * PAD * scale - 1;
  const box = (l: CardLabel, height: number): TableCell => ({
    stack: [label(l, langs, labelSize), { text: '', margin: [0, height * scale, 0, 0] }],
  });
  const half = (inner - 2 * PAD * scale - 0.5) / 2;
  return [
    {
      pageBreak: 'before',
      table: { widths: [inner], body: [[box(L.signature, 34)]] },
      layout: gridLayout(scale, PAD),
    },
    {
      stack: [label(L.fingerprints, langs, labelSize, { bold: true })],
      margin: [0, 6 * scale, 0, 2 * scale],
    },
    {
      table: { widths: [half, half], body: [[box(L.leftForefinger, 62), box(L.rightForefinger, 62)]] },
      layout: gridLayout(scale, PAD),
    },
    {
      table: { widths: [inner], body: [[box(L.stamp, 44)]] },
      layout: gridLayout(scale, PAD),
      margin: [0, 6 * scale, 0, 0],
    },
    {
      stack: [label(L.issuedOn, langs, labelSize), value(input.issuedOn, inner, 10, 7 * scale, 4 * scale)],
      margin: [0, 6 * scale, 0, 0],
    },
  ];
}
