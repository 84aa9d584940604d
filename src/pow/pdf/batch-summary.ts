import type { Content, CustomTableLayout, TableCell, TDocumentDefinitions } from 'pdfmake/interfaces.js';
import { documentDate, FONT_FAMILY, render } from './engine.ts';
import { GREY } from './layout.ts';
import { plain } from './text.ts';

export interface BatchSummaryItem {
  ref: string;
  surname: { original: string; latin: string };
  firstNames: { original: string; latin: string };
  dateOfBirth?: string;
  /** 'record.new' | 'record.changed' | 'event.<type>' */
  kind: string;
  eventDate?: string;
  facility?: string;
}

export interface BatchSummaryInput {
  batchNumber: number;
  /** ISO timestamp. */
  createdAt: string;
  /** Start of the period covered, null for a first batch. */
  from: string | null;
  to: string;
  /** Fingerprint of the signing key, hex. */
  keyFingerprint: string;
  counts: Record<string, number>;
  items: BatchSummaryItem[];
}

/** English label with the Ukrainian one beneath in smaller type. */
const en = (english: string, ukrainian: string, size = 8): Content => ({
  stack: [
    { text: english, bold: true, fontSize: size },
    { text: ukrainian, italics: true, color: GREY, fontSize: size - 1.5 },
  ],
});

/** What a change is, in words (English / Ukrainian) rather than the format's code (`event.arrival`). */
const KIND_WORDS: Record<string, string> = {
  'record.new': 'New record / Новий запис',
  'record.changed': 'Record changed / Запис змінено',
  'event.capture': 'Capture / Полонення',
  'event.arrival': 'Arrival at a camp / Прибуття до табору',
  'event.transfer': 'Transfer / Переведення',
  'event.hospital_admission': 'Admitted to hospital / Госпіталізація',
  'event.hospital_discharge': 'Discharged from hospital / Виписка з лікарні',
  'event.escape': 'Escape / Втеча',
  'event.death': 'Death / Смерть',
  'event.release': 'Release / Звільнення',
  'event.repatriation': 'Repatriation / Репатріація',
  'event.exchange': 'Exchange / Обмін',
  'event.health_report': 'Health report / Звіт про здоров’я',
};

/** Known kinds in words; anything else printed literally (never interpreted). */
export function kindWords(kind: string): string {
  return Object.hasOwn(KIND_WORDS, kind) ? (KIND_WORDS[kind] as string) : plain(kind);
}

/** "a1b2c3d4…" grouped by 4 for reading aloud/comparing. */
function groupHex(hex: string): string {
  const clean = plain(hex).replace(/\s+/g, '');
  return clean.match(/.{1,4}/g)?.join(' ') ?? '';
}

/** A name as Latin (bold) over the original script. */
function nameCell(name: { original: string; latin: string }): TableCell {
  const latin = plain(name.latin);
  const original = plain(name.original);
  const lines: Content[] = [];
  if (latin) lines.push({ text: latin, bold: true });
  if (original && original !== latin) lines.push({ text: original });
  return { stack: lines };
}

const thinRules: CustomTableLayout = {
  hLineWidth: (i, node) => (i === 0 || i === node.table.body.length ? 0 : 0.3),
  vLineWidth: () => 0,
  hLineColor: () => '#888888',
  paddingLeft: () => 0,
  paddingRight: () => 8,
  paddingTop: () => 3,
  paddingBottom: () => 3,
};

const A4 = { width: 595.28, height: 841.89 } as const;
const MARGINS: [number, number, number, number] = [36, 40, 36, 44];

/**
 * A4 summary of a notification batch for humanitarian bodies (ICRC Central Tracing Agency): batch
 * facts, counts by kind and one table row per item, the header row repeated on every page, "page X of Y"
 * in the footer.
 */
export function renderBatchSummary(input: BatchSummaryInput): Promise<Buffer> {
  return render(batchSummaryDefinition(input));
}

function batchSummaryDefinition(input: BatchSummaryInput): TDocumentDefinitions {
  const date = documentDate(input.createdAt);
  const fact = (l: Content, v: string): TableCell[] => [l as TableCell, { text: v, fontSize: 9 }];
  const counts = Object.entries(input.counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  const inner = A4.width - MARGINS[0] - MARGINS[2];
  const header: TableCell[] = [
    en('Record', 'Запис', 7.5),
    en('Surname', 'Прізвище', 7.5),
    en('First names', 'Імена', 7.5),
    en('Date of birth', 'Дата народження', 7.5),
    en('Kind', 'Вид', 7.5),
    en('Event date', 'Дата події', 7.5),
    en('Facility', 'Установа', 7.5),
  ];
  const rows: TableCell[][] = input.items.map((item) => [
    { text: plain(item.ref) },
    nameCell(item.surname),
    nameCell(item.firstNames),
    { text: plain(item.dateOfBirth) },
    { text: kindWords(item.kind) },
    { text: plain(item.eventDate) },
    { text: plain(item.facility) },
  ]);
  // fixed widths so that an unbreakable value wraps inside its column instead of widening the table
  const fixed = [54, 0, 0, 50, 66, 50, 0];
  const gaps = 7 * 2 * 4 + 8 * 0.5;
  const rest = (inner - gaps - fixed.reduce((a, b) => a + b, 0)) / 3;
  const widths = fixed.map((w) => w || rest);
  return {
    pageSize: { ...A4 },
    pageOrientation: 'portrait',
    pageMargins: MARGINS,
    info: {
      title: `Notification batch ${input.batchNumber} summary`,
      subject: 'Prisoner of war notification batch summary',
      creationDate: date,
      modDate: date,
    },
    defaultStyle: { font: FONT_FAMILY, fontSize: 7.5, lineHeight: 1.05 },
    footer: (currentPage, pageCount) => ({
      text: [
        { text: `Page ${currentPage} of ${pageCount}` },
        { text: ` · Сторінка ${currentPage} з ${pageCount}`, color: GREY, italics: true },
      ],
      alignment: 'center',
      fontSize: 7.5,
      margin: [0, 16, 0, 0],
    }),
    content: [
      {
        stack: [
          { text: 'Prisoner of war notification batch — summary', bold: true, fontSize: 14 },
          {
            text: 'Пакет повідомлень про військовополонених — зведення',
            italics: true,
            color: GREY,
            fontSize: 11,
          },
        ],
        margin: [0, 0, 0, 10],
      },
      {
        table: {
          widths: [150, '*'],
          body: [
            fact(en('Batch number', 'Номер пакета'), String(input.batchNumber)),
            fact(en('Created at', 'Створено'), plain(input.createdAt)),
            fact(
              en('Period', 'Період'),
              `${input.from === null ? 'beginning / початок' : plain(input.from)} — ${plain(input.to)}`,
            ),
            fact(en('Signing key fingerprint', 'Відбиток ключа підпису'), groupHex(input.keyFingerprint)),
          ],
        },
        layout: thinRules,
      },
      {
        stack: [en('Counts by kind', 'Кількість за видами', 10)],
        margin: [0, 12, 0, 4],
      },
      {
        table: {
          widths: [200, 60],
          body: [
            [en('Kind', 'Вид'), { ...(en('Count', 'Кількість') as object), alignment: 'right' } as TableCell],
            ...counts.map(([kind, n]): TableCell[] => [
              { text: kindWords(kind) },
              { text: String(n), alignment: 'right' },
            ]),
            [
              { text: 'Total / Усього', bold: true },
              { text: String(total), bold: true, alignment: 'right' },
            ],
          ],
          headerRows: 1,
        },
        layout: 'lightHorizontalLines',
      },
      {
        stack: [en(`Items (${input.items.length})`, `Записи (${input.items.length})`, 10)],
        margin: [0, 12, 0, 4],
      },
      {
        table: { widths, headerRows: 1, dontBreakRows: true, body: [header, ...rows] },
        layout: {
          hLineWidth: (i) => (i === 1 ? 0.8 : 0.3),
          vLineWidth: () => 0,
          hLineColor: () => '#888888',
          paddingLeft: () => 4,
          paddingRight: () => 4,
          paddingTop: () => 2,
          paddingBottom: () => 2,
          fillColor: (row) => (row === 0 ? '#eeeeee' : null),
        },
      },
    ],
  };
}
