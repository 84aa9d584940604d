import { createRequire } from 'node:module';
import path from 'node:path';
import type { Content, TDocumentDefinitions, TFontDictionary } from 'pdfmake/interfaces.js';

/**
 * The fonts of the POW documents and which characters each one draws.
 *
 * Roboto (shipped with pdfmake, Apache 2.0) draws everything by default: Latin, Cyrillic incl. Ukrainian
 * і ї є ґ, Greek. It has no Hangul. Nanum Gothic (`@expo-google-fonts/nanum-gothic`, SIL OFL 1.1) has
 * Hangul but no Cyrillic at all, and fontkit cannot lay out its space glyph (a zero-length outline makes
 * it read past the table). So a script font is never a document's font: `withScriptFonts` cuts every
 * text into runs and gives the script font only the runs of its own script — never a space — so a card
 * can carry Korean labels, Ukrainian labels and a Hangul name side by side. Another script (Georgian,
 * Devanagari…) is one more entry in `SCRIPT_FONTS` (docs/adding-a-language.md).
 */
const require = createRequire(import.meta.url);

export const FONT_FAMILY = 'Roboto';

interface FontFiles {
  normal: string;
  bold: string;
  italics: string;
  bolditalics: string;
}

const robotoDir = path.join(path.dirname(require.resolve('pdfmake/package.json')), 'fonts', 'Roboto');
const roboto: FontFiles = {
  normal: path.join(robotoDir, 'Roboto-Regular.ttf'),
  bold: path.join(robotoDir, 'Roboto-Medium.ttf'),
  italics: path.join(robotoDir, 'Roboto-Italic.ttf'),
  bolditalics: path.join(robotoDir, 'Roboto-MediumItalic.ttf'),
};

const nanumDir = path.dirname(require.resolve('@expo-google-fonts/nanum-gothic/package.json'));
const nanumRegular = path.join(nanumDir, '400Regular', 'NanumGothic_400Regular.ttf');
const nanumBold = path.join(nanumDir, '700Bold', 'NanumGothic_700Bold.ttf');

interface ScriptFont {
  family: string;
  /** One character of the script (tested per code point). */
  script: RegExp;
  /** Upright files stand in for italics where the font has none (Hangul has no italic tradition). */
  files: FontFiles;
}

export const SCRIPT_FONTS: readonly ScriptFont[] = [
  {
    family: 'NanumGothic',
    script: /\p{Script=Hangul}/u,
    files: { normal: nanumRegular, bold: nanumBold, italics: nanumRegular, bolditalics: nanumBold },
  },
];

export const FONTS: TFontDictionary = {
  [FONT_FAMILY]: { ...roboto },
  ...Object.fromEntries(SCRIPT_FONTS.map((f) => [f.family, { ...f.files }])),
};

/** Every font file a document may read (the engine's local access policy). */
export const FONT_FILES: ReadonlySet<string> = new Set(
  Object.values(FONTS).flatMap((f) => Object.values(f).map((p) => path.resolve(String(p)))),
);

/**
 * Punctuation and digits that may join a script run (`김-철수`, `3월`, `(전부)`), so that pdfmake does not
 * switch fonts inside a word. Spaces never may (see above).
 */
const JOINER = /[0-9.,:;!?'"’()\-·]/u;

export interface TextRun {
  text: string;
  font?: string;
  noWrap?: true;
}

/**
 * A script run holds no space, so it is one word: kept whole (Korean typesetting breaks between words,
 * CSS `word-break: keep-all`; pdfmake's line breaker would split Hangul between any two syllables, `경|상`).
 * A run longer than any word may still wrap, so that an overlong value cannot push out of its box.
 */
const LONGEST_WORD = 16;

function fontOf(ch: string): string | undefined {
  return SCRIPT_FONTS.find((f) => f.script.test(ch))?.family;
}

/** `text` as runs of one font each; a single run without `font` when it is all in the default font. */
export function scriptRuns(text: string): TextRun[] {
  const chars = [...text];
  const fonts = chars.map(fontOf);
  // a stretch of joiners takes the script font of a neighbour when the other side is the same font, a
  // space or the end of the text: `(전부)`, `지우십시오.` stay whole; `김(Kim` switches at the letter
  const open = (k: number) => k < 0 || k >= chars.length || /\s/u.test(chars[k]!);
  for (let i = 0; i < chars.length; i++) {
    if (fonts[i] !== undefined || !JOINER.test(chars[i]!)) continue;
    let j = i;
    while (j < chars.length && fonts[j] === undefined && JOINER.test(chars[j]!)) j++;
    const before = fonts[i - 1];
    const after = fonts[j];
    const font =
      before !== undefined && (after === before || open(j))
        ? before
        : after !== undefined && open(i - 1)
          ? after
          : undefined;
    for (let k = i; k < j; k++) fonts[k] = font;
    i = j - 1;
  }
  const runs: TextRun[] = [];
  for (const [i, ch] of chars.entries()) {
    const font = fonts[i];
    const last = runs.at(-1);
    if (last && last.font === font) last.text += ch;
    else runs.push(font === undefined ? { text: ch } : { text: ch, font });
  }
  for (const run of runs) if (run.font && [...run.text].length <= LONGEST_WORD) run.noWrap = true;
  return runs.length ? runs : [{ text }];
}

function needsScriptFont(text: string): boolean {
  for (const ch of text) if (fontOf(ch) !== undefined) return true;
  return false;
}

/** The items of an inline `text: [...]` array, with script runs split out of every string. */
function inlineItems(items: readonly unknown[]): unknown[] {
  return items.flatMap((item): unknown[] => {
    if (typeof item === 'string') return needsScriptFont(item) ? scriptRuns(item) : [item];
    if (item && typeof item === 'object' && 'text' in item) {
      const node = item as { text: unknown };
      if (typeof node.text === 'string' && needsScriptFont(node.text)) {
        return scriptRuns(node.text).map((run) => ({ ...node, ...run }));
      }
      if (Array.isArray(node.text)) return [{ ...node, text: inlineItems(node.text) }];
    }
    return [item];
  });
}

const CHILDREN = ['stack', 'columns', 'ul', 'ol'] as const;

function content(node: unknown): unknown {
  if (typeof node === 'string') return needsScriptFont(node) ? { text: scriptRuns(node) } : node;
  if (Array.isArray(node)) return node.map(content);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = { ...(node as Record<string, unknown>) };
  if (typeof out.text === 'string') {
    if (needsScriptFont(out.text)) out.text = scriptRuns(out.text);
  } else if (Array.isArray(out.text)) out.text = inlineItems(out.text);
  for (const key of CHILDREN) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(content);
  const table = out.table as { body?: unknown[][] } | undefined;
  if (table && Array.isArray(table.body)) {
    out.table = { ...table, body: table.body.map((row) => (Array.isArray(row) ? row.map(content) : row)) };
  }
  return out;
}

/** The document with every run of a script that Roboto lacks set in that script's font. */
export function withScriptFonts(doc: TDocumentDefinitions): TDocumentDefinitions {
  const wrap = <F>(part: F): F =>
    typeof part === 'function'
      ? (((...args: unknown[]) => content((part as (...a: unknown[]) => unknown)(...args))) as F)
      : (content(part) as F);
  const out: TDocumentDefinitions = { ...doc, content: content(doc.content) as Content };
  if (doc.header !== undefined) out.header = wrap(doc.header);
  if (doc.footer !== undefined) out.footer = wrap(doc.footer);
  return out;
}
