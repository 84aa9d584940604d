import { type Reading, skeletonOf, tokenReadings } from './translit.ts';

/**
 * Male first names that relatives write in Russian, Ukrainian, Latin or as diminutives.
 * Format: `id|Russian forms|Ukrainian forms|other Latin forms|diminutives` (comma-separated).
 * Latin forms are only needed where the canonical form differs from the Cyrillic ones (Alexander has
 * an x; Paul, George are the English names). The generator draws from this table as well.
 */
const TABLE = [
  'aleksandr|Александр|Олександр|Alexander,Alex,Alexandre,Oleksander|Саша,Саня,Шура,Сашко,Олесь,Sasha,Sanya',
  'aleksei|Алексей|Олексій|Alexey,Alexei,Alexis|Алёша,Лёша,Альоша,Льоша,Олекса,Alyosha,Lyosha',
  'anatolii|Анатолий|Анатолій||Толя,Толик',
  'andrei|Андрей|Андрій|Andrew,Andreas|Андрюша,Андрюха',
  'anton|Антон|Антон|Anthony|Антоша,Тоша',
  'arkadii|Аркадий|Аркадій||Аркаша',
  'arsenii|Арсений|Арсеній||Арсен',
  'artem|Артём,Артем|Артем|Artyom,Artiom|Тёма,Тема,Артемко',
  'artur|Артур|Артур||',
  'bogdan|Богдан|Богдан||Бодя',
  'boris|Борис|Борис||Боря',
  'vadim|Вадим|Вадим||Вадик',
  'valentin|Валентин|Валентин||Валя',
  'valerii|Валерий|Валерій||Валера',
  'vasilii|Василий|Василь|Basil|Вася,Васька',
  'viktor|Виктор|Віктор|Victor|Витя,Вітя',
  'vitalii|Виталий|Віталій||Виталик,Віталік',
  'vladimir|Владимир|Володимир||Вова,Володя,Вовчик',
  'vladislav|Владислав|Владислав||Влад,Владик,Слава',
  'vsevolod|Всеволод|Всеволод||Сева',
  'vyacheslav|Вячеслав|Вʼячеслав||Слава,Славик',
  'gennadii|Геннадий|Геннадій||Гена',
  'georgii|Георгий|Георгій|George|Жора,Гоша',
  'gleb|Глеб|Гліб||',
  'grigorii|Григорий|Григорій|Gregory|Гриша,Гриць',
  'daniil|Даниил,Данила|Данило|Daniel|Даня,Данилко',
  'denis|Денис|Денис|Dennis|Дэн',
  'dmitrii|Дмитрий|Дмитро|Dimitri|Дима,Митя,Діма',
  'evgenii|Евгений|Євген|Eugene,Jewgeni|Женя,Жека',
  'egor|Егор|Єгор||Егорка',
  'efim|Ефим|Юхим||',
  'emelyan|Емельян|Омелян||',
  'ivan|Иван|Іван|John,Johann|Ваня,Іванко',
  'igor|Игорь|Ігор||Игорек',
  'ilya|Илья|Ілля|Elijah,Ilja|Илюша',
  'iosif|Иосиф,Осип|Йосип|Joseph,Josef|',
  'kirill|Кирилл|Кирило|Cyril|Кирюша',
  'konstantin|Константин|Костянтин|Constantine|Костя,Костик',
  'kuzma|Кузьма|Кузьма||',
  'leonid|Леонид|Леонід||Лёня,Льоня',
  'lev|Лев|Лев|Leo|Лёва',
  'maksim|Максим|Максим|Maxim,Max|Макс',
  'marat|Марат|Марат||',
  'mark|Марк|Марко||',
  'matvei|Матвей|Матвій|Matthew|Матвейка',
  'mikhail|Михаил|Михайло|Michael|Миша,Михась',
  'nazar|Назар|Назар||Назарко',
  'nikita|Никита|Микита||Никитка',
  'nikolai|Николай|Микола|Nicholas,Nicolas|Коля,Николаша,Колян',
  'oleg|Олег|Олег||Олежек',
  'ostap|Остап|Остап||',
  'pavel|Павел|Павло|Paul|Паша',
  'afanasii|Афанасий|Панас||',
  'petr|Пётр,Петр|Петро|Peter|Петя,Петрусь',
  'filipp|Филипп|Пилип|Philip,Philipp|Филя',
  'rinat|Ринат|Ринат||',
  'roman|Роман|Роман||Рома,Ромка',
  'rostislav|Ростислав|Ростислав||Ростик,Слава',
  'ruslan|Руслан|Руслан||Руслик',
  'rustam|Рустам|Рустам||',
  'svyatoslav|Святослав|Святослав||Слава,Свят',
  'semen|Семён,Семен|Семен|Simon|Сеня',
  'sergei|Сергей|Сергій|Serge|Серёжа,Серега,Сергейка,Сірьожа',
  'stanislav|Станислав|Станіслав||Стас,Слава',
  'stepan|Степан|Степан|Stephen,Steven|Стёпа',
  'taras|Тарас|Тарас||Тарасик',
  'timofei|Тимофей|Тимофій|Timothy|Тима',
  'timur|Тимур|Тимур||',
  'foma|Фома|Хома|Thomas|',
  'fedor|Фёдор,Федор|Федір|Theodore|Федя',
  'eduard|Эдуард|Едуард|Edward|Эдик,Едік',
  'yurii|Юрий|Юрій|Jurij|Юра,Юрко,Юрчик',
  'yakov|Яков|Яків|Jacob,Jakob|Яша',
  'yaroslav|Ярослав|Ярослав||Ярик,Слава',
  'zakhar|Захар|Захар||',
] as const;

export type NameKind = 'ru' | 'uk' | 'latin' | 'dim';

export interface NameGroup {
  id: string;
  ru: readonly string[];
  uk: readonly string[];
  latin: readonly string[];
  diminutives: readonly string[];
}

const split = (s: string | undefined) => (s ? s.split(',').filter(Boolean) : []);

export const NAME_GROUPS: readonly NameGroup[] = TABLE.map((row) => {
  const [id, ru, uk, latin, dim] = row.split('|');
  return { id: id!, ru: split(ru), uk: split(uk), latin: split(latin), diminutives: split(dim) };
});

export interface GroupRef {
  id: string;
  kind: NameKind;
}

/** Canonical form → the groups (and how) it names. */
const BY_CANON = new Map<string, GroupRef[]>();
/** Stem (canonical without final vowels) of full forms → group ids, for patronymics. */
const BY_STEM = new Map<string, Set<string>>();

function addForm(form: string, ref: GroupRef) {
  for (const r of tokenReadings(form).slice(0, 1)) {
    const list = BY_CANON.get(r.canon) ?? [];
    if (!list.some((g) => g.id === ref.id)) list.push(ref);
    BY_CANON.set(r.canon, list);
    if (ref.kind !== 'dim') for (const s of stemsOfName(r.canon)) addStem(s, ref.id);
  }
}

function addStem(stem: string, id: string) {
  if (stem.length < 2) return;
  const set = BY_STEM.get(stem) ?? new Set();
  set.add(id);
  BY_STEM.set(stem, set);
}

function stemsOfName(canon: string): string[] {
  const base = canon.replace(/[aeiou]+$/, '');
  const out = [base];
  // Павел → Павлович, Лев → Львович.
  const m = /^(.*[^aeiou])e([lv])$/.exec(base);
  if (m) out.push(m[1]! + m[2]!);
  return out;
}

for (const g of NAME_GROUPS) {
  for (const f of g.ru) addForm(f, { id: g.id, kind: 'ru' });
  for (const f of g.uk) addForm(f, { id: g.id, kind: 'uk' });
  for (const f of g.latin) addForm(f, { id: g.id, kind: 'latin' });
  for (const f of g.diminutives) addForm(f, { id: g.id, kind: 'dim' });
}

export const groupById: ReadonlyMap<string, NameGroup> = new Map(NAME_GROUPS.map((g) => [g.id, g]));

/** Canonical forms of every full (non-diminutive) form of a group, for fuzzy comparison. */
const canonsOfGroup = new Map<string, string[]>();
for (const [canon, refs] of BY_CANON)
  for (const r of refs) {
    const list = canonsOfGroup.get(r.id) ?? [];
    list.push(canon);
    canonsOfGroup.set(r.id, list);
  }
export function groupCanons(id: string): readonly string[] {
  return canonsOfGroup.get(id) ?? [];
}

const FIRST_NAME_SKELETONS = new Set([...BY_CANON.keys()].map(skeletonOf));
/** Whether a skeleton is that of a known first name (its `d:` key is then weak). */
export function isFirstNameSkeleton(skeleton: string): boolean {
  return FIRST_NAME_SKELETONS.has(skeleton);
}

export function groupsOfCanon(canon: string): readonly GroupRef[] {
  return BY_CANON.get(canon) ?? [];
}

const PATRONYMIC_RE = /(?:[oe]viq|iq)$/;

/** Groups named by a patronymic (Сергеевич, Serhiiovych, Ильич …), with the stem found. */
export function patronymicGroups(canon: string): { stem: string; ids: string[] } | undefined {
  const m = PATRONYMIC_RE.exec(canon);
  if (!m || canon.length - m[0].length < 2) return undefined;
  const stem = canon.slice(0, m.index).replace(/[aeiou]+$/, '');
  const ids = BY_STEM.get(stem);
  return { stem, ids: ids ? [...ids] : [] };
}

// ---------------------------------------------------------------------------------------------------

export interface TokenInfo {
  /** As typed (trimmed). */
  text: string;
  /** Canonical readings, the preferred one first. */
  canons: string[];
  /** Skeletons of those readings (deduplicated). */
  skeletons: string[];
  /** First-name groups the token names (any reading). */
  groups: GroupRef[];
}

const cache = new Map<string, TokenInfo>();

/**
 * Name-aware analysis of one token: ambiguous Latin spellings are resolved towards a known first name
 * (Victor → viktor, Michail → migail), otherwise the default reading is kept, plus the х-reading of a
 * medial x (Alexeev vs GOST "Xarlamov" style) because both are common.
 */
export function tokenInfo(token: string): TokenInfo {
  const hit = cache.get(token);
  if (hit) return hit;
  const readings = tokenReadings(token);
  const known = readings.filter((r) => BY_CANON.has(r.canon));
  let chosen: Reading[];
  if (known.length > 0) chosen = known.includes(readings[0]!) ? [readings[0]!] : known;
  else {
    chosen = readings.slice(0, 1);
    const xAlt = readings.find((r) => r.flipped.length === 1 && r.flipped[0] === 'x');
    if (xAlt) chosen.push(xAlt);
  }
  const canons = chosen.map((r) => r.canon).filter((c) => c.length > 0);
  const groups: GroupRef[] = [];
  for (const c of canons)
    for (const g of BY_CANON.get(c) ?? []) if (!groups.some((x) => x.id === g.id)) groups.push(g);
  const info: TokenInfo = {
    text: token,
    canons,
    skeletons: [...new Set(canons.map(skeletonOf))],
    groups,
  };
  if (cache.size > 100_000) cache.clear();
  cache.set(token, info);
  return info;
}

/** Groups a father's-name field names: a first name (Сергей) or a patronymic (Сергеевич). */
export function fatherGroups(info: TokenInfo): { ids: string[]; stems: string[] } {
  if (info.groups.length > 0)
    return {
      ids: info.groups.map((g) => g.id),
      stems: info.canons.flatMap(stemsOfName),
    };
  const ids = new Set<string>();
  const stems: string[] = [];
  for (const c of info.canons) {
    const p = patronymicGroups(c);
    if (p) {
      stems.push(p.stem);
      for (const id of p.ids) ids.add(id);
    } else stems.push(...stemsOfName(c));
  }
  return { ids: [...ids], stems };
}

/** Whether a token reads as a patronymic of a known name (used when typed into a name field). */
export function isPatronymic(info: TokenInfo): boolean {
  return info.groups.length === 0 && info.canons.some((c) => (patronymicGroups(c)?.ids.length ?? 0) > 0);
}
