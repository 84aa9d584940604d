import { createRequire } from 'node:module';
import type { TDocumentDefinitions } from 'pdfmake/interfaces.js';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { PowIdentity } from '../record.ts';
import {
  type BatchSummaryInput,
  type CaptureCardInput,
  renderBatchSummary,
  renderCaptureCard,
  renderIdentityCard,
} from './documents.ts';
import { renderFitted } from './engine.ts';
import { FONT_FAMILY, FONTS, SCRIPT_FONTS, scriptRuns } from './fonts.ts';
import {
  captureCardLabels,
  healthLabels,
  identityCardLabels,
  primaryLanguage,
  secondaryLanguage,
} from './labels.ts';

const CM = 72 / 2.54;

async function open(pdf: Buffer) {
  // pdf.js takes ownership of the array it is given: hand it a copy
  const doc = await getDocumentProxy(new Uint8Array(pdf));
  const { text } = await extractText(doc, { mergePages: false });
  const sizes: Array<[number, number]> = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const [x0, y0, x1, y1] = (await doc.getPage(i)).view as [number, number, number, number];
    sizes.push([x1 - x0, y1 - y0]);
  }
  const info = (await doc.getMetadata()).info as Record<string, unknown>;
  // line wraps and the no-break spaces of the layout become plain spaces
  const pages = text.map((t) => t.replace(/\s+/g, ' '));
  return { pages, all: pages.join(' '), sizes, info };
}

function expectSize(sizes: Array<[number, number]>, width: number, height: number) {
  for (const [w, h] of sizes) {
    expect(Math.abs(w - width)).toBeLessThan(1);
    expect(Math.abs(h - height)).toBeLessThan(1);
  }
}

const russian: PowIdentity = {
  surname: { original: 'Ковалёв', latin: 'Kovalyov' },
  firstNames: { original: 'Дмитрий Сергеевич', latin: 'Dmitriy Sergeyevich' },
  fatherFirstName: 'Сергей',
  rank: 'рядовой',
  serviceNumber: 'АБ-123456',
  dateOfBirth: '1995-03-14',
  placeOfBirth: 'Курск',
  powerDependedOn: 'Российская Федерация',
  personToInform: { name: 'Ковалёва Анна', address: 'г. Курск, ул. Ленина, д. 1, кв. 2' },
  languages: ['ru'],
  captureDate: '2024-05-01',
  health: 'convalescent',
  disclosureConsent: 'unknown',
};

const ukrainian: PowIdentity = {
  surname: { original: 'Гнатюк', latin: 'Hnatiuk' },
  firstNames: { original: 'Євгеній Ігорович', latin: 'Yevhenii Ihorovych' },
  fatherFirstName: 'Юрій',
  rank: 'солдат',
  serviceNumber: 'ҐЇ-000001',
  dateOfBirth: '1990-07',
  placeOfBirth: 'Житомир',
  powerDependedOn: 'Україна',
  languages: ['uk', 'ru'],
  captureDate: '2024-06-02',
  health: 'slightly_wounded',
  disclosureConsent: 'yes',
};

const korean: PowIdentity = {
  surname: { original: '김', latin: 'Kim' },
  firstNames: { original: '철수', latin: 'Cheol-su' },
  fatherFirstName: '영호',
  rank: '하전사',
  serviceNumber: '12-345678',
  dateOfBirth: '2001-04-15',
  placeOfBirth: '평양',
  powerDependedOn: '조선민주주의인민공화국',
  personToInform: { name: '김영희', address: '평안남도 평성시 12-3' },
  languages: ['ko', 'ru'],
  captureDate: '2024-12-01',
  health: 'slightly_wounded',
  disclosureConsent: 'unknown',
};

/** The fonts a PDF embeds (pdfkit writes font dictionaries uncompressed: `/BaseFont /ABCDEF+Name`). */
function embeddedFonts(pdf: Buffer): string[] {
  return [...pdf.toString('latin1').matchAll(/\/BaseFont \/[A-Z]{6}\+([A-Za-z-]+)/g)].map((m) => m[1]!);
}

const itemKeys = [
  'item1',
  'item2',
  'item3',
  'item4',
  'item5',
  'item6',
  'item7',
  'item8',
  'item9',
  'item10taken',
  'item10coming',
  'item12',
  'item12number',
  'item12camp',
  'item13',
  'item14',
] as const;

describe('capture card (GC III Annex IV B)', () => {
  it('renders a Russian prisoner with ru + uk labels on two 15 × 10 cm pages', async () => {
    const input: CaptureCardInput = {
      identity: russian,
      recordRef: 'PW-000123',
      facility: { name: 'Camp No. 1', address: 'Lviv oblast' },
      reason: 'arrival',
      issuedOn: '2024-05-03',
      secondLanguage: 'uk',
    };
    const pdf = await open(await renderCaptureCard(input));
    expect(pdf.pages).toHaveLength(2);
    expectSize(pdf.sizes, 15 * CM, 10 * CM);

    const [front, back] = pdf.pages as [string, string];
    for (const l of [captureCardLabels.mail, captureCardLabels.postageFree, captureCardLabels.title]) {
      expect(front).toContain(l.ru);
      expect(front).toContain(l.uk);
    }
    expect(front).toContain('CENTRAL PRISONERS OF WAR AGENCY');
    expect(front).toContain('INTERNATIONAL COMMITTEE OF THE RED CROSS');
    expect(front).toContain('GENEVA');

    for (const key of itemKeys) {
      expect(back).toContain(captureCardLabels[key].ru);
      expect(back).toContain(captureCardLabels[key].uk);
    }
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]) expect(back).toContain(`${n}. `);
    for (const h of Object.values(healthLabels)) {
      expect(back).toContain(h.label.ru);
      expect(back).toContain(h.label.uk);
    }
    for (const v of [
      'Ковалёв',
      'Kovalyov',
      'Дмитрий Сергеевич',
      'Dmitriy Sergeyevich',
      'Сергей',
      'Российская Федерация',
      '1995-03-14',
      'Курск',
      'рядовой',
      'АБ-123456',
      'Ковалёва Анна',
      '2024-05-01',
      'PW-000123',
      'Camp No. 1, Lviv oblast',
      '2024-05-03',
    ]) {
      expect(back).toContain(v);
    }
    // item 11: exactly one state marked, the one that applies
    expect(back.match(/●/g)).toHaveLength(1);
    expect(back).toContain(`● (d) ${healthLabels.convalescent.label.ru}`);
    expect(back.match(/○/g)).toHaveLength(6);

    // metadata: a title, no names, dates from the input
    expect(String(pdf.info.Title)).toContain('PW-000123');
    expect(JSON.stringify(pdf.info)).not.toContain('Ковалёв');
    expect(JSON.stringify(pdf.info)).not.toContain('Kovalyov');
    expect(pdf.info.Author).toBeUndefined();
    expect(String(pdf.info.CreationDate)).toContain('20240503');
  });

  it('renders a Ukrainian prisoner with uk + en labels, Ukrainian letters intact', async () => {
    const input: CaptureCardInput = {
      identity: ukrainian,
      recordRef: 'PW-000124',
      facility: { name: 'Табір № 2' },
      comingFrom: 'Шпиталь № 5, Вінниця',
      reason: 'transfer',
      issuedOn: '2024-06-10',
      secondLanguage: 'en',
    };
    const first = await renderCaptureCard(input);
    const pdf = await open(first);
    expect(pdf.pages).toHaveLength(2);
    expectSize(pdf.sizes, 15 * CM, 10 * CM);
    const [front, back] = pdf.pages as [string, string];
    expect(front).toContain(captureCardLabels.title.uk);
    expect(front).toContain('CAPTURE CARD FOR PRISONER OF WAR');
    expect(front).toContain('PRISONER OF WAR MAIL');
    expect(front).toContain('Postage free');
    for (const key of itemKeys) {
      expect(back).toContain(captureCardLabels[key].uk);
      expect(back).toContain(captureCardLabels[key].en);
    }
    for (const v of [
      'Гнатюк',
      'Hnatiuk',
      'Євгеній Ігорович',
      'Yevhenii Ihorovych',
      'Юрій',
      'Україна',
      'Житомир',
      'ҐЇ-000001',
      '1990-07',
      'Шпиталь № 5, Вінниця',
      'Табір № 2',
      'PW-000124',
    ]) {
      expect(back).toContain(v);
    }
    expect(back.match(/●/g)).toHaveLength(1);
    expect(back).toContain(`● (f) ${healthLabels.slightly_wounded.label.uk}`);

    // no clock in the output: the same input gives the same bytes
    expect((await renderCaptureCard(input)).equals(first)).toBe(true);
    // no Hangul, no Hangul font embedded
    expect(embeddedFonts(first).some((f) => f.startsWith('NanumGothic'))).toBe(false);
  });

  it('renders a Korean prisoner in Korean with Ukrainian labels, the Hangul name drawn in a Hangul font', async () => {
    const input: CaptureCardInput = {
      identity: korean,
      recordRef: 'PW-000125',
      facility: { name: 'Табір № 2', address: 'Львівська область' },
      reason: 'arrival',
      issuedOn: '2024-12-03',
      secondLanguage: 'uk',
    };
    const bytes = await renderCaptureCard(input);
    const pdf = await open(bytes);
    expect(pdf.pages).toHaveLength(2);
    expectSize(pdf.sizes, 15 * CM, 10 * CM);
    const [front, back] = pdf.pages as [string, string];
    for (const l of [captureCardLabels.mail, captureCardLabels.postageFree, captureCardLabels.title]) {
      expect(front).toContain(l.ko);
      expect(front).toContain(l.uk);
    }
    // wrapped between words, never inside one (`가족에 게`)
    expect(front).toContain(captureCardLabels.importantText.ko);
    expect(front).toContain(captureCardLabels.importantText.uk);
    for (const key of itemKeys) {
      expect(back).toContain(captureCardLabels[key].ko);
      expect(back).toContain(captureCardLabels[key].uk);
    }
    for (const h of Object.values(healthLabels)) {
      expect(back).toContain(h.label.ko);
      expect(back).toContain(h.label.uk);
    }
    expect(back).toContain(`● (f) ${healthLabels.slightly_wounded.label.ko}`);
    for (const v of [
      '김 (Kim)',
      '철수 (Cheol-su)',
      '영호',
      '하전사',
      '조선민주주의인민공화국',
      '평양',
      '김영희, 평안남도 평성시 12-3',
      'Табір № 2, Львівська область',
      'PW-000125',
    ]) {
      expect(back).toContain(v);
    }
    // an overlong Hangul name stays on the card's two pages
    const long = await open(
      await renderCaptureCard({
        ...input,
        identity: {
          ...korean,
          surname: { original: '김'.repeat(200), latin: 'Kim' },
          placeOfBirth: '평양 '.repeat(80),
        },
      }),
    );
    expect(long.pages).toHaveLength(2);
    expect(long.pages[1]).toContain('김김김김김');
    expect(long.pages[1]).toContain(captureCardLabels.item14.ko);
    // Hangul in Nanum Gothic, the Cyrillic and Latin in Roboto (Nanum has no Cyrillic)
    const fonts = embeddedFonts(bytes);
    expect(fonts).toEqual(
      expect.arrayContaining(['NanumGothic', 'NanumGothicBold', 'Roboto-Regular', 'Roboto-Medium']),
    );
  });

  it('keeps hostile and overlong values on the card, printed literally', async () => {
    const markup = '{ text: "x", link: "file:///etc/passwd" } \\u0000 \\ {{ }} [ ]';
    const input: CaptureCardInput = {
      identity: {
        ...russian,
        surname: { original: 'Щ'.repeat(200), latin: `Kovalyov ${markup}`.padEnd(200, 'W') },
        firstNames: { original: 'Дмитрий '.repeat(25).trim(), latin: 'Dmitriy '.repeat(25).trim() },
        fatherFirstName: markup,
        placeOfBirth: 'Ж'.repeat(200),
        powerDependedOn: 'Российская Федерация '.repeat(9).trim(),
        personToInform: { name: 'Ковалёва '.repeat(22), address: 'ул. Ленина '.repeat(45) },
        rank: 'р'.repeat(100),
        serviceNumber: '9'.repeat(100),
      },
      recordRef: 'PW-999999',
      facility: { name: 'Camp '.repeat(40), address: 'Lviv oblast '.repeat(40) },
      comingFrom: 'Hospital\u0007\u202e '.repeat(22),
      reason: 'hospital',
      issuedOn: '2024-05-03',
      secondLanguage: 'en',
    };
    const pdf = await open(await renderCaptureCard(input));
    expect(pdf.pages).toHaveLength(2);
    expectSize(pdf.sizes, 15 * CM, 10 * CM);
    const back = pdf.pages[1]!;
    expect(back).toContain('{ text: "x", link: "file:///etc/passwd" }');
    expect(back).toContain('PW-999999');
    expect(back).toContain('ЩЩЩЩЩ');
    expect(back).toContain('Kovalyov { text:');
    expect(back).not.toContain('\u0007');
    expect(back).not.toContain('\u202e');
    // the last item is still on the page
    expect(back).toContain(captureCardLabels.item14.en);
  });
});

describe('identity card (GC III Annex IV A)', () => {
  it('renders on 6.5 × 10 cm pages with the bilingual fields and empty boxes', async () => {
    const pdf = await open(
      await renderIdentityCard({
        identity: ukrainian,
        recordRef: 'PW-000124',
        issuedBy: 'Російська Федерація',
        issuedOn: '2024-06-10',
        secondLanguage: 'en',
      }),
    );
    expect(pdf.pages).toHaveLength(2);
    expectSize(pdf.sizes, 6.5 * CM, 10 * CM);
    const all = pdf.all;
    for (const l of Object.values(identityCardLabels)) {
      expect(all).toContain(l.uk);
      expect(all).toContain(l.en);
    }
    for (const v of ['Російська Федерація', 'Гнатюк', 'Hnatiuk', 'Євгеній Ігорович', 'Yevhenii Ihorovych']) {
      expect(all).toContain(v);
    }
    for (const v of ['1990-07', 'солдат', 'ҐЇ-000001', 'Україна', 'PW-000124', '2024-06-10']) {
      expect(all).toContain(v);
    }
  });

  it('prints a Korean prisoner with Korean and English labels', async () => {
    const bytes = await renderIdentityCard({
      identity: korean,
      recordRef: 'PW-000125',
      issuedBy: 'Україна',
      issuedOn: '2024-12-03',
      secondLanguage: 'en',
    });
    const pdf = await open(bytes);
    expect(pdf.pages).toHaveLength(2);
    expectSize(pdf.sizes, 6.5 * CM, 10 * CM);
    for (const l of Object.values(identityCardLabels)) {
      expect(pdf.all).toContain(l.ko);
      expect(pdf.all).toContain(l.en);
    }
    for (const v of [
      'Україна',
      '김 (Kim)',
      '철수 (Cheol-su)',
      '하전사',
      '조선민주주의인민공화국',
      'PW-000125',
    ]) {
      expect(pdf.all).toContain(v);
    }
    expect(embeddedFonts(bytes)).toContain('NanumGothic');
  });

  it('stays on its two pages with overlong values', async () => {
    const pdf = await open(
      await renderIdentityCard({
        identity: {
          ...russian,
          surname: { original: 'Ковалёв'.repeat(28), latin: '{ text: [] }\\'.repeat(16) },
          firstNames: { original: 'Дмитрий '.repeat(25), latin: 'Dmitriy '.repeat(25) },
          powerDependedOn: 'Ж'.repeat(200),
          rank: 'W'.repeat(100),
        },
        recordRef: 'PW-000123',
        issuedBy: 'Держава '.repeat(25),
        issuedOn: '2024-05-03',
        secondLanguage: 'uk',
      }),
    );
    expect(pdf.pages).toHaveLength(2);
    expectSize(pdf.sizes, 6.5 * CM, 10 * CM);
    expect(pdf.all).toContain('PW-000123');
    expect(pdf.all).toContain('Ковалёв');
    expect(pdf.all).toContain('{ text: [] }\\');
    expect(pdf.all).toContain(identityCardLabels.stamp.uk);
  });
});

describe('notification batch summary', () => {
  const items: BatchSummaryInput['items'] = Array.from({ length: 120 }, (_, i) => ({
    ref: `PW-${String(i + 1).padStart(6, '0')}`,
    surname: i % 2 ? { original: 'Ковалёв', latin: 'Kovalyov' } : { original: 'Гнатюк', latin: 'Hnatiuk' },
    firstNames: { original: 'Євгеній', latin: 'Yevhenii' },
    dateOfBirth: '1990-01-01',
    kind: i % 3 === 0 ? 'record.new' : i % 3 === 1 ? 'record.changed' : 'event.transfer',
    eventDate: '2024-05-01',
    facility: 'Camp No. 1',
  }));
  const input: BatchSummaryInput = {
    batchNumber: 42,
    createdAt: '2024-05-03T10:00:00.000Z',
    from: '2024-05-02T10:00:00.000Z',
    to: '2024-05-03T10:00:00.000Z',
    keyFingerprint: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    counts: { 'record.new': 40, 'record.changed': 40, 'event.transfer': 40 },
    items,
  };

  it('spans several A4 pages with the header row and "page X of Y" on each', async () => {
    const pdf = await open(await renderBatchSummary(input));
    const n = pdf.pages.length;
    expect(n).toBeGreaterThan(2);
    expectSize(pdf.sizes, 595.28, 841.89);
    pdf.pages.forEach((page, i) => {
      expect(page).toContain(`Page ${i + 1} of ${n}`);
      expect(page).toContain(`Сторінка ${i + 1} з ${n}`);
      for (const h of ['Record', 'Surname', 'Прізвище', 'First names', 'Date of birth', 'Kind', 'Facility']) {
        expect(page).toContain(h);
      }
    });
    const first = pdf.pages[0]!;
    expect(first).toContain('42');
    expect(first).toContain('a1b2 c3d4 e5f6 0718 293a 4b5c 6d7e 8f90');
    expect(first).toContain('2024-05-02T10:00:00.000Z');
    expect(first).toContain('Total / Усього 120');
    for (const item of items) expect(pdf.all).toContain(item.ref);
    expect(pdf.all).toContain('Гнатюк');
    expect(pdf.all).toContain('Kovalyov');
    // Kinds in words, not the format's codes.
    expect(pdf.all).toContain('Transfer / Переведення');
    expect(pdf.all).toContain('New record');
    expect(pdf.all).not.toContain('event.transfer');
  });

  it('prints Korean names in Hangul', async () => {
    const bytes = await renderBatchSummary({
      ...input,
      items: [
        { ...items[0]!, surname: korean.surname, firstNames: korean.firstNames, facility: '수용소 1' },
        ...items.slice(1, 3),
      ],
    });
    const pdf = await open(bytes);
    for (const v of ['Kim', '김', 'Cheol-su', '철수', '수용소 1', 'Гнатюк', 'Прізвище'])
      expect(pdf.all).toContain(v);
    expect(embeddedFonts(bytes)).toContain('NanumGothic');
  });

  it('prints hostile values literally and wraps long ones', async () => {
    const pdf = await open(
      await renderBatchSummary({
        ...input,
        from: null,
        items: [
          {
            ref: 'PW-000001',
            surname: { original: 'Щ'.repeat(200), latin: '{ text: "x" }\\'.repeat(14) },
            firstNames: { original: '{{}}', latin: '' },
            kind: 'event.{ pageBreak: "before" }',
            facility: 'F'.repeat(200),
          },
        ],
      }),
    );
    expect(pdf.pages).toHaveLength(1);
    expect(pdf.all).toContain('{ text: "x" }\\');
    expect(pdf.all).toContain('event.{ pageBreak: "before" }');
    expect(pdf.all).toContain('beginning');
  });
});

describe('fitting to a page count', () => {
  const lines = (n: number, size: number): TDocumentDefinitions => ({
    pageSize: { width: 200, height: 200 },
    pageMargins: 10,
    defaultStyle: { font: 'Roboto', fontSize: size, lineHeight: 1 },
    content: Array.from({ length: n }, (_, i) => `line ${i}`),
  });

  it('shrinks until the document fits, and cuts at the limit as a last resort', async () => {
    // 20 lines of 12 pt need two pages; at 0.7 × 12 pt they fit on one
    const seen: number[] = [];
    const fitted = await open(
      await renderFitted((scale) => {
        seen.push(scale);
        return lines(20, 12 * scale);
      }, 1),
    );
    expect(fitted.pages).toHaveLength(1);
    expect(seen.length).toBeGreaterThan(1);
    expect(fitted.all).toContain('line 19');
    const cut = await open(await renderFitted(() => lines(100, 12), 1));
    expect(cut.pages).toHaveLength(1);
  });
});

describe('label languages', () => {
  it("uses the prisoner's language, English (never Russian) when cards cannot be printed in it, never one twice", () => {
    expect(primaryLanguage(['uk'])).toBe('uk');
    expect(primaryLanguage(['ru', 'uk'])).toBe('ru');
    expect(primaryLanguage(['be'])).toBe('en');
    expect(primaryLanguage(['ko'])).toBe('ko');
    expect(primaryLanguage(['ko', 'ru'])).toBe('ko');
    expect(primaryLanguage(['kk', 'ko'])).toBe('ko');
    expect(primaryLanguage(['en'])).toBe('en');
    expect(secondaryLanguage('en', 'en')).toBe('uk');
    expect(secondaryLanguage('uk', 'uk')).toBe('en');
    expect(secondaryLanguage('ru', 'uk')).toBe('uk');
    expect(secondaryLanguage('ru', 'en')).toBe('en');
    expect(secondaryLanguage('ko', 'uk')).toBe('uk');
  });
});

describe('fonts per script', () => {
  type Font = { hasGlyphForCodePoint(cp: number): boolean };
  // fontkit is what pdfkit draws with; asking it answers "would this glyph be tofu"
  const fontkit = createRequire(import.meta.url)('fontkit') as { openSync(file: string): Font };
  const opened = new Map<string, Font>();
  const font = (file: string) => {
    let f = opened.get(file);
    if (!f) {
      f = fontkit.openSync(file);
      opened.set(file, f);
    }
    return f;
  };

  it('gives every character of every label and name to a font that has its glyph, and no space to Nanum', () => {
    const labels = [
      ...Object.values(captureCardLabels),
      ...Object.values(identityCardLabels),
      ...Object.values(healthLabels).map((h) => h.label),
    ].flatMap((l) => Object.values(l));
    const values = [korean, russian, ukrainian].flatMap((p) => [
      p.surname.original,
      p.surname.latin,
      p.firstNames.original,
      p.personToInform?.address ?? '',
      '● ○ № — …',
    ]);
    const hangul = labels.join('').match(/\p{Script=Hangul}/gu) ?? [];
    expect(hangul.length).toBeGreaterThan(100);
    for (const text of [...labels, ...values]) {
      for (const run of scriptRuns(text)) {
        const family = FONTS[run.font ?? FONT_FAMILY]!;
        if (run.font) expect(run.text).not.toMatch(/\s/);
        for (const style of ['normal', 'bold', 'italics', 'bolditalics'] as const) {
          const f = font(String(family[style]));
          const missing = [...run.text].filter(
            (ch) => !/\s/.test(ch) && !f.hasGlyphForCodePoint(ch.codePointAt(0)!),
          );
          expect(missing, `${run.font ?? FONT_FAMILY} ${style}: ${run.text}`).toEqual([]);
        }
      }
    }
  });

  it('keeps a Hangul word with its joined punctuation in one run and Cyrillic out of it', () => {
    expect(scriptRuns('이름(전부) / Імена')).toEqual([
      { text: '이름(전부)', font: 'NanumGothic', noWrap: true },
      { text: ' / Імена' },
    ]);
    expect(scriptRuns('김영희, 평안남도 12-3 (Kim)')).toEqual([
      { text: '김영희,', font: 'NanumGothic', noWrap: true },
      { text: ' ' },
      { text: '평안남도', font: 'NanumGothic', noWrap: true },
      { text: ' 12-3 (Kim)' },
    ]);
    expect(scriptRuns('김(Kim) 3월')).toEqual([
      { text: '김', font: 'NanumGothic', noWrap: true },
      { text: '(Kim) ' },
      { text: '3월', font: 'NanumGothic', noWrap: true },
    ]);
    // an overlong run may still wrap
    expect(scriptRuns('김'.repeat(40))).toEqual([{ text: '김'.repeat(40), font: 'NanumGothic' }]);
    expect(scriptRuns('Ковалёв')).toEqual([{ text: 'Ковалёв' }]);
    expect(SCRIPT_FONTS.map((f) => f.family)).toEqual(['NanumGothic']);
  });
});
