import type { PowIdentity } from '../../src/pow/record.ts';
import { groupById, NAME_GROUPS, type NameGroup } from '../../src/relatives/match/names.ts';
import { type MatchPerson, personFromIdentity } from '../../src/relatives/match/person.ts';
import { transliterate } from '../../src/relatives/match/translit.ts';

/**
 * Seeded generator of Russian and Ukrainian men as a POW registry would hold them, and of the ways a
 * relative might type them when asking (match.test.ts measures the matcher on it). Deterministic for a
 * seed. The romanisations here are written independently of translit.ts (except the two canonical
 * systems, which are what the registrar form pre-fills), so the evaluation is not circular; the
 * first-name table is shared, which flatters first-name matching somewhat.
 */

export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for test data. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let r = rng() * total;
  for (const [x, w] of items) {
    r -= w;
    if (r < 0) return x;
  }
  return items[items.length - 1]![0];
}

const words = (s: string) => s.split(/\s+/).filter(Boolean);

const RU_SURNAMES = words(`
  Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков
  Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин
  Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов
  Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов
  Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов
  Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов
  Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков
  Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев Воронин Климов Филатов
  Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников Трофимов Леонов Соболев
  Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов Громов Кириллов
  Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Ерёмин Тихомиров Галкин
  Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов Князев Цветков Левин
  Митрофанов Воронцов Крюков Шаров Шубин Рыбаков Сафонов Мухин Зуев Суханов Жданов Блинов Игнатов
  Горшков Шестаков Хохлов Зиновьев Шилов Субботин Логинов Ситников Шапошников Третьяков Лобанов Шмелёв
  Агафонов Дьячков Бердников Ширяев Белкин Рожков Лапин Ершов Мишин Кравцов Муравьёв Горелов
  Покровский Вишневский Смоленский Успенский Введенский Преображенский Рождественский Троицкий
  Островский Жуковский Лавровский Архангельский Толстой Трубецкой Седых Черных Долгих Белых Подъячев
  Хабибуллин Галиев Сафин Юсупов Гайдамаков Щукин Шишкин Хрущёв Ёлкин Эйдельман Цыганов Чижов Пыжов
  Хижняков Шарапов
`);

const UK_SURNAMES = words(`
  Шевченко Коваленко Бондаренко Ткаченко Кравченко Бойко Коваль Олійник Шевчук Поліщук Ковальчук
  Ткачук Мельник Кравчук Савченко Руденко Марченко Лисенко Петренко Мороз Клименко Павленко Савчук
  Кузьменко Левченко Харченко Карпенко Гончаренко Мельничук Литвиненко Романенко Сидоренко Панченко
  Климчук Лук'яненко Юрченко Мартинюк Гуменюк Пономаренко Костенко Приходько Кириленко Власенко
  Тимошенко Гаврилюк Яковенко Білоус Захарченко Лозинський Ярошенко Демченко Головко Лещенко Гордієнко
  Кучер Мазур Семенко Ничипорук Остапенко Тарасенко Андрієнко Дячук Вакуленко Антоненко Оліфіренко
  Стельмах Костюк Гнатюк Симоненко Середа Кушнір Зінченко Кононенко Кравець Швець Гончар Бондар
  Коломієць Гребенюк Фесенко Грищенко Процюк Гуцул Мирошниченко Дмитренко Герасименко Семенюк Сорока
  Ігнатенко Назаренко Максименко Бабенко Гриценко Вовк Пилипенко Яценко Осадчий Мосійчук Денисенко
  Кулик Прокопенко Іваненко Дорошенко Тищенко Нестеренко Мартиненко Олексієнко Стасюк Рибак Ковтун
  Давиденко Білик Климко Костюченко Ярмоленко Федоренко Степаненко Кожум'яка Хоменко Луценко Сергієнко
  Сидорчук Кондратюк Паламарчук Гнатенко Онищенко Коцюбинський Грушевський Сковорода Стефаник Кочубей
  Запорожець Чорновіл Шухевич Бандурко Дробот Якименко Лук'янчук Мацюк Ткачишин Іванишин Петришин
  Романишин Михайлишин Бойчук Дзюба Кучеренко Вдовиченко Жук Ляшенко Мисник Головатий Шаповал Ярема
  Гайдай Підгорний Ковалишин Гладун Пащенко Гринь Величко Білецький Кобилянський Стецько Тимченко
  Юрчишин Щербак Щербина Заїка Зозуля Сирота Ступка Ющенко Дем'яненко Рудько Литвин Москаленко
  Бережний Гаврилишин Андрухович Винничук Кулинич Бабич Ярмолович Ґудзь Ґонта Хмельницький Гуменний
  Ївженко Єременко Єфименко Їжак Згурський Гетьман Ігнатюк Оліфер Пʼятак
`);

/** Surnames drawn with a mild Zipf law (rank^-0.6): Иванов, Шевченко … recur, as in a real registry. */
const zipf = (list: readonly string[]) => list.map((s, i) => [s, (i + 1) ** -0.6] as const);
const SURNAME_WEIGHTS = { ru: zipf(RU_SURNAMES), uk: zipf(UK_SURNAMES) };

/** First-name popularity among men born 1965–2007 (rough; unlisted groups weigh 1). */
const NAME_WEIGHT: Record<string, readonly [ru: number, uk: number]> = {
  aleksandr: [12, 12],
  sergei: [10, 9],
  dmitrii: [8, 7],
  andrei: [8, 8],
  aleksei: [7, 5],
  vladimir: [6, 7],
  ivan: [5, 6],
  maksim: [6, 5],
  evgenii: [5, 4],
  nikolai: [4, 5],
  mikhail: [5, 4],
  artem: [5, 4],
  denis: [4, 4],
  igor: [4, 4],
  yurii: [4, 5],
  viktor: [3, 4],
  roman: [3, 4],
  oleg: [3, 4],
  pavel: [3, 3],
  anton: [3, 2],
  ilya: [3, 1],
  nikita: [3, 1],
  kirill: [3, 1],
  vitalii: [2, 3],
  vasilii: [2, 4],
  bogdan: [0.3, 4],
  taras: [0.1, 3],
  ostap: [0.1, 1.5],
  nazar: [0.3, 2],
  yaroslav: [1, 3],
  petr: [2, 3],
  grigorii: [1, 2],
  stepan: [1, 2],
  rinat: [1, 0],
  rustam: [1, 0],
  marat: [1, 0],
  timur: [1.5, 0.2],
  ruslan: [2, 2],
  vadim: [2, 2],
};

function namePool(lang: Lang) {
  return NAME_GROUPS.map((g) => [g, NAME_WEIGHT[g.id]?.[lang === 'ru' ? 0 : 1] ?? 1] as const).filter(
    ([, w]) => w > 0,
  );
}
const NAME_POOL = { ru: namePool('ru'), uk: namePool('uk') };

export type Lang = 'ru' | 'uk';

export interface RegistryIdentity
  extends Pick<PowIdentity, 'surname' | 'firstNames' | 'fatherFirstName' | 'dateOfBirth'> {}

export interface GeneratedPerson {
  id: number;
  lang: Lang;
  /** Cyrillic, in the person's own language. */
  surname: string;
  firstGroup: string;
  fatherGroup: string;
  /** The true full date of birth. */
  dob: string;
  /** What the registry holds (original + Latin names; the date may be partial or missing). */
  identity: RegistryIdentity;
  record: MatchPerson;
}

const mainForm = (g: NameGroup, lang: Lang) => (lang === 'ru' ? g.ru[0]! : g.uk[0]!);

function randomDob(rng: Rng): string {
  // Ages 18–60 on 2025-06-01.
  const start = Date.UTC(1964, 5, 2);
  const end = Date.UTC(2007, 5, 1);
  return new Date(start + Math.floor(rng() * ((end - start) / 86_400_000)) * 86_400_000)
    .toISOString()
    .slice(0, 10);
}

function makePerson(
  rng: Rng,
  id: number,
  p: { lang: Lang; surname: string; firstGroup: string; fatherGroup: string; dob: string },
): GeneratedPerson {
  const first = mainForm(groupById.get(p.firstGroup)!, p.lang);
  const father = mainForm(groupById.get(p.fatherGroup)!, p.lang);
  const r = rng();
  const dateOfBirth =
    r < 0.85 ? p.dob : r < 0.88 ? p.dob.slice(0, 7) : r < 0.96 ? p.dob.slice(0, 4) : undefined;
  const identity: RegistryIdentity = {
    surname: { original: p.surname, latin: transliterate(p.surname, p.lang) },
    firstNames: { original: first, latin: transliterate(first, p.lang) },
    fatherFirstName: rng() < 0.93 ? father : undefined,
    dateOfBirth,
  };
  return { id, ...p, identity, record: personFromIdentity(identity) };
}

/** A random person (Russian 55 %, Ukrainian 45 %); `surname` forces the surname (and its language). */
export function generatePerson(rng: Rng, id: number, opts: { surname?: string; lang?: Lang } = {}) {
  const lang: Lang = opts.lang ?? (rng() < 0.55 ? 'ru' : 'uk');
  return makePerson(rng, id, {
    lang,
    surname: opts.surname ?? weighted(rng, SURNAME_WEIGHTS[lang]),
    firstGroup: weighted(rng, NAME_POOL[lang]).id,
    fatherGroup: weighted(rng, NAME_POOL[lang]).id,
    dob: randomDob(rng),
  });
}

/**
 * A registry of `n` people, with duplicates by design: surnames recur (Zipf), and 5 % are namesakes
 * of an earlier person (same surname and first name, half of them the same father's name too) born on
 * another day.
 */
export function generateRegistry(rng: Rng, n: number): GeneratedPerson[] {
  const out: GeneratedPerson[] = [];
  for (let id = 0; id < n; id++) {
    if (out.length > 10 && rng() < 0.05) {
      const twin = pick(rng, out);
      out.push(
        makePerson(rng, id, {
          lang: twin.lang,
          surname: twin.surname,
          firstGroup: twin.firstGroup,
          fatherGroup: rng() < 0.5 ? twin.fatherGroup : weighted(rng, NAME_POOL[twin.lang]).id,
          dob: randomDob(rng),
        }),
      );
    } else out.push(generatePerson(rng, id));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Spelling in the other language (a Ukrainian relative writing a Russian surname, and vice versa).

const CYR_VOWELS = 'аеёиоуыэюяєії';

export function ruToUkSpelling(s: string): string {
  let w = s
    .toLowerCase()
    .replace(/ский$/, 'ський')
    .replace(/цкий$/, 'цький')
    .replace(/ый$/, 'ий')
    .replace(/ье/g, 'ʼє')
    .replace(/ьё/g, 'йо')
    .replace(/ее/g, 'єє');
  let out = '';
  const chars = [...w];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const prev = chars[i - 1] ?? '';
    if (c === 'ё') out += i === 0 || CYR_VOWELS.includes(prev) ? 'йо' : 'ьо';
    else if (c === 'и' && !(chars[i + 1] === 'й' && i === chars.length - 2)) out += 'і';
    else if (c === 'ы') out += 'и';
    else if (c === 'э') out += 'е';
    else if (c === 'е' && i === 0) out += 'є';
    else if (c === 'ъ') out += 'ʼ';
    else out += c;
  }
  w = out;
  return w[0]!.toUpperCase() + w.slice(1);
}

export function ukToRuSpelling(s: string): string {
  const w = s
    .toLowerCase()
    .replace(/ський$/, 'ский')
    .replace(/цький$/, 'цкий')
    .replace(/ьо/g, 'ё')
    .replace(/йо/g, 'ё')
    .replace(/['ʼ’]є/g, 'ье')
    .replace(/['ʼ’]/g, 'ъ')
    .replace(/і/g, 'и')
    .replace(/ї/g, 'и')
    .replace(/є/g, 'е')
    .replace(/ґ/g, 'г');
  return w[0]!.toUpperCase() + w.slice(1);
}

/** Patronymic of a father's first name, by the rules of the language (irregular ones listed). */
export function patronymic(name: string, lang: Lang): string {
  const irregular: Record<string, string> = {
    Павел: 'Павлович',
    Лев: 'Львович',
    Пётр: 'Петрович',
    Дмитрий: 'Дмитриевич',
    Илья: 'Ильич',
    Микола: 'Миколайович',
    Ілля: 'Ілліч',
    Григорій: 'Григорович',
    Федір: 'Федорович',
    Яків: 'Якович',
    Хома: 'Хомич',
    Кузьма: 'Кузьмич',
    Данила: 'Данилович',
    Никита: 'Никитич',
    Фома: 'Фомич',
  };
  const irr = irregular[name];
  if (irr) return irr;
  if (lang === 'ru') {
    if (name.endsWith('ий')) return `${name.slice(0, -2)}ьевич`;
    if (name.endsWith('ей')) return `${name.slice(0, -2)}еевич`;
    if (name.endsWith('ай')) return `${name.slice(0, -2)}аевич`;
    if (name.endsWith('ь')) return `${name.slice(0, -1)}евич`;
    if (/[ая]$/.test(name)) return `${name.slice(0, -1)}ович`;
    return `${name}ович`;
  }
  if (name.endsWith('ій')) return `${name.slice(0, -2)}ійович`;
  if (name.endsWith('ь')) return `${name.slice(0, -1)}ьович`;
  if (/[оа]$/.test(name)) return `${name.slice(0, -1)}ович`;
  return `${name}ович`;
}

// ---------------------------------------------------------------------------------------------------
// Romanisation systems as people actually meet them.

export type LatinSystem =
  | 'icao'
  | 'kmu'
  | 'iso9'
  | 'gost-b'
  | 'bgn'
  | 'scientific'
  | 'old-passport'
  | 'english'
  | 'german';

interface Ctx {
  prev: string;
  next: string;
  initial: boolean;
  final: boolean;
  afterVowel: boolean;
  lang: Lang;
  rng: Rng;
}

type Table = (c: string, x: Ctx) => string | undefined;

const BASE: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  д: 'd',
  з: 'z',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  і: 'i',
};

const iso9: Table = (c) =>
  BASE[c] ??
  {
    г: 'g',
    ґ: 'g\u0300',
    е: 'e',
    ё: 'ë',
    ж: 'ž',
    и: 'i',
    і: 'ì',
    ї: 'ï',
    й: 'j',
    х: 'h',
    ц: 'c',
    ч: 'č',
    ш: 'š',
    щ: 'ŝ',
    ъ: 'ʺ',
    ы: 'y',
    ь: 'ʹ',
    э: 'è',
    ю: 'û',
    я: 'â',
    є: 'ê',
    ʼ: '’',
    "'": '’',
  }[c];

const gostB: Table = (c, x) =>
  BASE[c] ??
  {
    г: 'g',
    ґ: 'g`',
    е: 'e',
    ё: 'yo',
    ж: 'zh',
    и: x.lang === 'uk' ? 'y`' : 'i',
    ї: 'yi',
    й: 'j',
    х: 'x',
    ц: 'еиіыйєї'.includes(x.next) && x.next !== '' ? 'cz' : 'c',
    ч: 'ch',
    ш: 'sh',
    щ: 'shh',
    ъ: '``',
    ы: 'y`',
    ь: '`',
    э: 'e`',
    ю: 'yu',
    я: 'ya',
    є: 'ye',
    ʼ: "'",
    "'": "'",
  }[c];

const bgn: Table = (c, x) => {
  const soft = x.initial || x.afterVowel || 'ъь'.includes(x.prev);
  if (x.lang === 'uk')
    return (
      BASE[c] ??
      {
        г: 'h',
        ґ: 'g',
        е: 'e',
        є: soft ? 'ye' : 'ie',
        ж: 'zh',
        и: 'y',
        ї: 'yi',
        й: 'y',
        х: 'kh',
        ц: 'ts',
        ч: 'ch',
        ш: 'sh',
        щ: 'shch',
        ь: "'",
        ю: 'yu',
        я: 'ya',
        ʼ: '"',
        "'": '"',
      }[c]
    );
  return (
    BASE[c] ??
    {
      г: 'g',
      е: soft ? 'ye' : 'e',
      ё: soft ? 'yë' : 'ë',
      ж: 'zh',
      и: 'i',
      й: 'y',
      х: 'kh',
      ц: 'ts',
      ч: 'ch',
      ш: 'sh',
      щ: 'shch',
      ъ: '"',
      ы: 'y',
      ь: "'",
      э: 'e',
      ю: 'yu',
      я: 'ya',
    }[c]
  );
};

const scientific: Table = (c, x) =>
  BASE[c] ??
  {
    г: x.lang === 'uk' ? 'h' : 'g',
    ґ: 'g',
    е: 'e',
    ё: 'ë',
    ж: 'ž',
    и: x.lang === 'uk' ? 'y' : 'i',
    ї: 'ji',
    й: 'j',
    х: 'x',
    ц: 'c',
    ч: 'č',
    ш: 'š',
    щ: 'šč',
    ъ: 'ʺ',
    ы: 'y',
    ь: 'ʹ',
    э: 'è',
    ю: 'ju',
    я: 'ja',
    є: 'je',
    ʼ: 'ʺ',
    "'": 'ʺ',
  }[c];

const oldPassport: Table = (c, x) =>
  BASE[c] ??
  {
    г: 'g',
    ґ: 'g',
    е: 'e',
    ё: 'e',
    ж: 'zh',
    и: x.lang === 'uk' ? 'y' : 'i',
    ї: 'yi',
    й: 'y',
    х: 'kh',
    ц: 'ts',
    ч: 'ch',
    ш: 'sh',
    щ: 'shch',
    ъ: '',
    ы: 'y',
    ь: '',
    э: 'e',
    ю: 'yu',
    я: 'ya',
    є: 'ye',
  }[c];

const english: Table = (c, x) => {
  const r = x.rng();
  return (
    BASE[c] ??
    {
      г: x.lang === 'uk' && r < 0.6 ? 'h' : 'g',
      ґ: 'g',
      е: x.initial || x.afterVowel ? (r < 0.6 ? 'ye' : 'e') : 'e',
      ё: x.initial || x.afterVowel ? 'yo' : r < 0.5 ? 'yo' : r < 0.7 ? 'io' : 'e',
      ж: r < 0.9 ? 'zh' : 'j',
      и: x.lang === 'uk' ? (r < 0.7 ? 'y' : 'i') : 'i',
      ї: r < 0.5 ? 'yi' : 'i',
      й: x.final ? (r < 0.5 ? 'y' : r < 0.8 ? '' : 'i') : r < 0.8 ? 'y' : 'i',
      х: r < 0.7 ? 'kh' : 'h',
      ц: r < 0.85 ? 'ts' : 'tz',
      ч: 'ch',
      ш: 'sh',
      щ: r < 0.8 ? 'shch' : 'sch',
      ъ: '',
      ы: 'y',
      ь: r < 0.85 ? '' : "'",
      э: 'e',
      ю: r < 0.85 ? 'yu' : 'iu',
      я: r < 0.85 ? 'ya' : 'ia',
      є: r < 0.7 ? 'ye' : 'ie',
      ʼ: '',
      "'": '',
    }[c]
  );
};

const german: Table = (c, x) => {
  const soft = x.initial || x.afterVowel || 'ъь'.includes(x.prev);
  return (
    {
      а: 'a',
      б: 'b',
      в: 'w',
      г: x.lang === 'uk' ? 'h' : 'g',
      ґ: 'g',
      д: 'd',
      е: soft ? 'je' : 'e',
      ё: 'жшчщ'.includes(x.prev) ? 'o' : 'jo',
      ж: 'sch',
      з: 's',
      и: x.lang === 'uk' ? 'y' : 'i',
      і: 'i',
      ї: 'ji',
      й: 'j',
      к: 'k',
      л: 'l',
      м: 'm',
      н: 'n',
      о: x.prev === 'ь' ? 'jo' : 'o',
      п: 'p',
      р: 'r',
      с: x.afterVowel && CYR_VOWELS.includes(x.next) && x.next !== '' ? 'ss' : 's',
      т: 't',
      у: 'u',
      ф: 'f',
      х: 'ch',
      ц: 'z',
      ч: 'tsch',
      ш: 'sch',
      щ: 'schtsch',
      ъ: '',
      ы: 'y',
      ь: '',
      э: 'e',
      ю: 'ju',
      я: 'ja',
      є: 'je',
      ʼ: '',
      "'": '',
    } as Record<string, string>
  )[c];
};

const TABLES: Record<Exclude<LatinSystem, 'icao' | 'kmu'>, Table> = {
  iso9,
  'gost-b': gostB,
  bgn,
  scientific,
  'old-passport': oldPassport,
  english,
  german,
};

/** Romanises a Cyrillic string written in `lang` the way `system` does (title case per word). */
export function romanize(s: string, system: LatinSystem, lang: Lang, rng: Rng): string {
  if (system === 'icao') return transliterate(s, 'ru');
  if (system === 'kmu') return transliterate(s, 'uk');
  const table = TABLES[system];
  return s
    .split(/(\s+)/)
    .map((word) => {
      if (/^\s*$/.test(word)) return word;
      let lower = word.toLowerCase();
      if (system === 'english') {
        if (rng() < 0.5) lower = lower.replace(/кс/g, 'x');
        if (rng() < 0.4) lower = lower.replace(/(ск|цк)(ий|ый|ій)$/, '$1y');
      }
      if (system === 'german') lower = lower.replace(/кс/g, 'x').replace(/(ий|ый|ій)$/, 'ij');
      const chars = [...lower];
      let out = '';
      for (let i = 0; i < chars.length; i++) {
        const c = chars[i]!;
        const prev = chars[i - 1] ?? '';
        const ctx: Ctx = {
          prev,
          next: chars[i + 1] ?? '',
          initial: i === 0,
          final: i === chars.length - 1,
          afterVowel: prev !== '' && CYR_VOWELS.includes(prev),
          lang,
          rng,
        };
        out += table(c, ctx) ?? c;
      }
      if (system === 'english' && /ov$/.test(out) && rng() < 0.1) out = `${out.slice(0, -1)}ff`;
      return out.length > 0 ? out[0]!.toUpperCase() + out.slice(1) : out;
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------------
// How a relative types it.

const CYR_LETTERS = [...'абвгдежзийклмнопрстуфхцчшщыьэюяіє'];
const LAT_LETTERS = [...'abcdefghijklmnoprstuvyz'];

/** One typo: deletion, insertion, substitution or adjacent transposition. */
export function typo(s: string, rng: Rng): string {
  const chars = [...s];
  const letters = chars.map((c, i) => (/\p{L}/u.test(c) ? i : -1)).filter((i) => i >= 0);
  if (letters.length < 3) return s;
  const i = pick(rng, letters);
  const alphabet = /[\u0400-\u04ff]/.test(s) ? CYR_LETTERS : LAT_LETTERS;
  const kind = int(rng, 0, 3);
  if (kind === 0) chars.splice(i, 1);
  else if (kind === 1) chars.splice(i, 0, rng() < 0.3 ? chars[i]! : pick(rng, alphabet));
  else if (kind === 2) chars[i] = pick(rng, alphabet);
  else if (i + 1 < chars.length && /\p{L}/u.test(chars[i + 1]!))
    [chars[i], chars[i + 1]] = [chars[i + 1]!, chars[i]!];
  else chars.splice(i, 1);
  return chars.join('');
}

const SYSTEMS: readonly (readonly [LatinSystem, number])[] = [
  ['icao', 15],
  ['kmu', 15],
  ['old-passport', 15],
  ['english', 20],
  ['bgn', 8],
  ['iso9', 6],
  ['gost-b', 5],
  ['scientific', 5],
  ['german', 11],
];

function shiftDay(dob: string, days: number): string {
  const t = Date.parse(`${dob}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

function formatDob(iso: string, rng: Rng): string {
  if (iso.length < 10 || rng() < 0.6) return iso;
  const [y, m, d] = iso.split('-');
  return `${d}.${m}.${y}`;
}

/** What a relative types when asking about `person`, with notes on what was changed. */
export function variant(person: GeneratedPerson, rng: Rng): { query: MatchPerson; notes: string[] } {
  const notes: string[] = [];
  const other: Lang = person.lang === 'ru' ? 'uk' : 'ru';
  const writeLang: Lang = rng() < 0.8 ? person.lang : other;
  if (writeLang !== person.lang) notes.push(`lang:${writeLang}`);

  let surname = person.surname;
  if (writeLang !== person.lang && rng() < 0.6) {
    surname = person.lang === 'ru' ? ruToUkSpelling(surname) : ukToRuSpelling(surname);
    notes.push('surname:respelled');
  }

  const g = groupById.get(person.firstGroup)!;
  let first: string;
  let firstIsLatin = false;
  const r = rng();
  if (r < 0.7) first = pick(rng, person.lang === 'ru' ? g.ru : g.uk);
  else if (r < 0.88) {
    first = pick(rng, other === 'ru' ? g.ru : g.uk);
    notes.push('first:other-language');
  } else if (r < 0.95 && g.diminutives.length > 0) {
    first = pick(rng, g.diminutives);
    firstIsLatin = !/[\u0400-\u04ff]/.test(first);
    notes.push('first:diminutive');
  } else if (g.latin.length > 0) {
    first = pick(rng, g.latin);
    firstIsLatin = true;
    notes.push('first:latin-equivalent');
  } else first = mainForm(g, writeLang);

  let father: string | undefined;
  if (rng() < 0.65) {
    const fg = groupById.get(person.fatherGroup)!;
    const fatherLang = rng() < 0.85 ? writeLang : other;
    const form = mainForm(fg, fatherLang);
    if (rng() < 0.35) {
      father = patronymic(form, fatherLang);
      notes.push('father:patronymic');
    } else father = form;
  } else notes.push('father:missing');

  let latin = firstIsLatin || rng() < 0.6;
  let system: LatinSystem | undefined;
  if (latin) {
    system = weighted(rng, SYSTEMS);
    notes.push(`latin:${system}`);
    surname = romanize(surname, system, writeLang, rng);
    if (!firstIsLatin) first = romanize(first, system, writeLang, rng);
    if (father) father = romanize(father, system, writeLang, rng);
  } else latin = false;

  const typos = weighted(rng, [
    [0, 55],
    [1, 30],
    [2, 15],
  ] as const);
  for (let k = 0; k < typos; k++) {
    if (rng() < 0.7) surname = typo(surname, rng);
    else first = typo(first, rng);
  }
  if (typos > 0) notes.push(`typos:${typos}`);

  let s = surname;
  let f = first;
  const o = rng();
  if (o < 0.12) {
    [s, f] = [f, s];
    notes.push('order:swapped');
  } else if (o < 0.16) {
    s = `${surname} ${first}`;
    f = '';
    notes.push('order:one-box');
  } else if (o < 0.18) {
    s = `${first} ${surname}`;
    f = '';
    notes.push('order:one-box-reversed');
  }

  const caseR = rng();
  const recase = (x: string) => (caseR < 0.15 ? x.toLowerCase() : caseR < 0.3 ? x.toUpperCase() : x);
  const space = (x: string) => (rng() < 0.1 ? ` ${x.replace(/ /g, '  ')} ` : x);
  s = space(recase(s));
  f = space(recase(f));
  if (father) father = recase(father);

  let dob: string | undefined;
  const d = rng();
  const [y, m, day] = person.dob.split('-');
  if (d < 0.55) dob = formatDob(person.dob, rng);
  else if (d < 0.69) {
    dob = y;
    notes.push('dob:year');
  } else if (d < 0.81) notes.push('dob:missing');
  else if (d < 0.86) {
    dob = formatDob(shiftDay(person.dob, rng() < 0.5 ? -1 : 1), rng);
    notes.push('dob:day±1');
  } else if (d < 0.91 && Number(day) <= 12 && day !== m) {
    dob = formatDob(`${y}-${day}-${m}`, rng);
    notes.push('dob:swapped');
  } else if (d < 0.95) {
    const digits = [...person.dob.replace(/-/g, '')];
    const k = pick(rng, [3, 5, 7]);
    digits[k] = String((Number(digits[k]) + int(rng, 1, 8)) % 10);
    const iso = `${digits.slice(0, 4).join('')}-${digits.slice(4, 6).join('')}-${digits.slice(6).join('')}`;
    dob = formatDob(iso, rng);
    notes.push('dob:digit');
  } else {
    dob = String(Number(y) + (rng() < 0.5 ? -1 : 1));
    notes.push('dob:year±1');
  }

  return { query: { surname: s, firstNames: f, fatherName: father, dateOfBirth: dob }, notes };
}

export interface Inquiry {
  query: MatchPerson;
  /** The registry person asked about, or undefined for someone not in the registry. */
  targetId: number | undefined;
  notes: string[];
}

/**
 * `n` inquiries: `inRegistry` (default 70 %) ask about registry people; the others about people not in
 * it, 40 % of whom share a surname with a registry person (and most share a common first name).
 */
export function generateInquiries(
  rng: Rng,
  registry: readonly GeneratedPerson[],
  n: number,
  inRegistry = 0.7,
): Inquiry[] {
  const out: Inquiry[] = [];
  const identity = (p: GeneratedPerson) => `${p.surname}|${p.firstGroup}|${p.fatherGroup}|${p.dob}`;
  const taken = new Set(registry.map(identity));
  for (let k = 0; k < n; k++) {
    if (rng() < inRegistry) {
      const target = pick(rng, registry);
      const v = variant(target, rng);
      out.push({ query: v.query, targetId: target.id, notes: v.notes });
    } else {
      let outsider: GeneratedPerson;
      do {
        if (rng() < 0.4) {
          const like = pick(rng, registry);
          outsider = generatePerson(rng, -1, { surname: like.surname, lang: like.lang });
        } else outsider = generatePerson(rng, -1);
      } while (taken.has(identity(outsider)));
      const v = variant(outsider, rng);
      out.push({ query: v.query, targetId: undefined, notes: ['outsider', ...v.notes] });
    }
  }
  return out;
}
