import { describe, expect, it } from 'vitest';
import {
  generateInquiries,
  generateRegistry,
  mulberry32,
  patronymic,
  romanize,
} from '../../../test/generators/names.ts';
import {
  blockingKeys,
  CANDIDATE_LIMIT,
  canonical,
  firstNameGroups,
  keyStrength,
  MATCH_THRESHOLD,
  type MatchPerson,
  SHOWN_LIMIT,
  scoreMatch,
  skeleton,
  transliterate,
} from './index.ts';

const same = (...words: string[]) => {
  const skeletons = words.map(skeleton);
  expect(new Set(skeletons).size, `${words.join(' / ')} → ${skeletons.join(' / ')}`).toBe(1);
};

describe('transliteration collapse', () => {
  it('collapses Cyrillic and Latin spellings of surnames to one skeleton', () => {
    same('Шевченко', 'Shevchenko', 'Schewtschenko', 'Ševčenko', 'SHEVCHENKO', 'шевченко');
    same('Ковальов', 'Ковалёв', 'Ковалев', 'Kovalyov', 'Kovalev', 'Kovaliov', 'Kowaljow');
    same('Кузнецов', 'Kuznetsov', 'Kusnezow', 'Kuznecov', 'Kuznetsoff');
    same('Зайцев', 'Zaitsev', 'Zaytsev', 'Saizew', 'Zajcev');
    same('Іванов', 'Иванов', 'Ivanov', 'Iwanow', 'Ivanoff');
    same('Покровский', 'Покровський', 'Pokrovsky', 'Pokrovskiy', 'Pokrovskii', 'Pokrovskyi', 'Pokrowski');
    same('Олійник', 'Олейник', 'Oliinyk', 'Oleinik', 'Olijnyk');
    same('Гнатюк', 'Hnatiuk', 'Gnatyuk', 'Hnatjuk');
    same('Хмельницький', 'Khmelnytskyi', 'Chmelnyzkyj', 'Xmel`ny`c`ky`j', 'Hmel’nic’kij');
    same('Лук’яненко', "Лук'яненко", 'Lukianenko', 'Lukyanenko', "Luk'yanenko");
    same('Соловьёв', 'Соловйов', 'Solovyov', 'Solovev', 'Solowjow');
    same('Щербаков', 'Shcherbakov', 'Schtscherbakow', 'Ŝerbakov', 'Shherbakov');
    same('Жуков', 'Zhukov', 'Schukow', 'Žukov');
    same('Згурський', 'Zghurskyi', 'Zgurskiy');
    expect(canonical('Ковальов')).toBe(canonical('Ковалёв'));
    expect(canonical('Kovalyov')).toBe(canonical('Ковалёв'));
  });

  it('keeps different surnames apart', () => {
    expect(skeleton('Шевченко')).not.toBe(skeleton('Шевчук'));
    expect(skeleton('Петров')).not.toBe(skeleton('Попов'));
    expect(skeleton('Коваль')).not.toBe(skeleton('Ковальчук'));
  });

  it('collapses first names and their Russian, Ukrainian, Latin and diminutive forms', () => {
    const group = (id: string, ...words: string[]) => {
      for (const w of words) expect(firstNameGroups(w), w).toContain(id);
    };
    same('Григорій', 'Григорий', 'Grigoriy', 'Hryhorii', 'Grigorij', 'Grigory');
    group('grigorii', 'Григорій', 'Григорий', 'Grigoriy', 'Hryhorii', 'Grigory', 'Гриша');
    group(
      'aleksandr',
      'Олександр',
      'Александр',
      'Oleksandr',
      'Aleksandr',
      'Alexander',
      'Alexandr',
      'Саша',
      'Sasha',
    );
    group('nikolai', 'Микола', 'Николай', 'Mykola', 'Nikolay', 'Nikolai', 'Коля');
    group('sergei', 'Сергій', 'Сергей', 'Serhii', 'Sergey', 'Sergei', 'Serhiy', 'Sergej', 'Серёжа');
    group('dmitrii', 'Дмитро', 'Дмитрий', 'Dmytro', 'Dmitry', 'Dmitrij', 'Дима');
    group('andrei', 'Андрій', 'Андрей', 'Andrii', 'Andrey', 'Andriy');
    group('ivan', 'Іван', 'Иван', 'Ivan', 'Iwan', 'Ваня');
    group('petr', 'Петро', 'Пётр', 'Петр', 'Pyotr', 'Petro', 'Petr');
    group('aleksei', 'Олексій', 'Алексей', 'Oleksii', 'Alexey', 'Aleksei');
    group('yurii', 'Юрій', 'Юрий', 'Yurii', 'Iurii', 'Jurij', 'Yuriy', 'Yuri', 'Юра');
    group('evgenii', 'Євген', 'Евгений', 'Yevhen', 'Evgeny', 'Yevgeniy', 'Jewgenij', 'Женя');
    group('mikhail', 'Михайло', 'Михаил', 'Mykhailo', 'Mikhail', 'Michail', 'Миша');
    group('viktor', 'Віктор', 'Виктор', 'Viktor', 'Victor');
    group('afanasii', 'Панас', 'Афанасий');
    expect(firstNameGroups('Иван')).not.toContain('igor');
  });

  it('transliterates for the registrar form (Ukrainian national system, ICAO 9303)', () => {
    expect(transliterate('Олександр Згурський', 'uk')).toBe('Oleksandr Zghurskyi');
    expect(transliterate('Юрій Щербина', 'uk')).toBe('Yurii Shcherbyna');
    expect(transliterate('Лук’яненко Євген Ілліч', 'uk')).toBe('Lukianenko Yevhen Illich');
    expect(transliterate('Олексій Гнатюк', 'uk')).toBe('Oleksii Hnatiuk');
    expect(transliterate('ЩЕРБИНА', 'uk')).toBe('SHCHERBYNA');
    expect(transliterate('Юрий Ковалёв', 'ru')).toBe('Iurii Kovalev');
    expect(transliterate('Подъячев Щукин', 'ru')).toBe('Podieiachev Shchukin');
    expect(transliterate('Илья Хрущёв', 'ru')).toBe('Ilia Khrushchev');
  });
});

describe('blocking keys', () => {
  const q = (surname: string, firstNames: string, extra: Partial<MatchPerson> = {}): MatchPerson => ({
    surname,
    firstNames,
    ...extra,
  });

  it('are the same whichever box or script the names were typed in', () => {
    const a = blockingKeys(q('Шевченко', 'Олександр', { dateOfBirth: '1990-05-01' }));
    expect(blockingKeys(q('Олександр', 'Шевченко', { dateOfBirth: '1990-05-01' })).sort()).toEqual(
      [...a].sort(),
    );
    expect(blockingKeys(q('Shevchenko', 'Oleksandr', { dateOfBirth: '1990' })).sort()).toEqual([...a].sort());
    expect(blockingKeys(q('Schewtschenko', 'Alexander', { dateOfBirth: '1990' }))).toEqual(
      expect.arrayContaining(a.filter((k) => k.startsWith('pr:'))),
    );
    expect(a.length).toBeLessThanOrEqual(40);
  });

  it('tolerate a consonant typo in the surname and a year ± 1', () => {
    const record = blockingKeys(q('Кравченко', 'Тарас', { dateOfBirth: '1987-02-03' }));
    const query = blockingKeys(q('Kravhcenko', 'Taras', { dateOfBirth: '1988' }), 'query');
    const shared = query.filter((k) => record.includes(k));
    expect(shared.filter((k) => k.startsWith('d:')).length).toBeGreaterThan(0);
    expect(shared.some((k) => k.startsWith('y:'))).toBe(true);
  });

  it('classify key strength', () => {
    expect(keyStrength('n:ivan')).toBe('weak');
    expect(keyStrength('d:km')).toBe('weak');
    expect(keyStrength('d:xvqnk')).toBe('strong');
    expect(keyStrength('y:#ivan|1990')).toBe('moderate');
    expect(keyStrength('pp:xvqnk|#sergei')).toBe('strong');
  });
});

describe('scoreMatch', () => {
  const record: MatchPerson = {
    surname: ['Григоренко', 'Hryhorenko'],
    firstNames: ['Олександр', 'Oleksandr'],
    fatherName: 'Сергій',
    dateOfBirth: '1991-04-07',
  };
  const score = (p: Partial<MatchPerson>) =>
    scoreMatch({ surname: 'Grigorenko', firstNames: 'Aleksandr', ...p }, record);

  it('explains itself', () => {
    const r = score({ fatherName: 'Сергеевич', dateOfBirth: '07.04.1991' });
    // Г and Ukrainian H collapse, so Grigorenko is Hryhorenko exactly.
    expect(r.reasons).toEqual(['surname:exact', 'firstName:variant', 'father:variant', 'dob:exact']);
    expect(r.score).toBeGreaterThan(0.99);
    const swapped = scoreMatch({ surname: 'Oleksandr', firstNames: 'Hryhorenko' }, record);
    expect(swapped.reasons).toContain('order:swapped');
    expect(swapped.score).toBeGreaterThanOrEqual(MATCH_THRESHOLD);
    expect(scoreMatch({ surname: 'Hryhorenko Oleksandr', firstNames: '' }, record).reasons).toContain(
      'order:merged',
    );
    expect(scoreMatch({ surname: 'Григоренко', firstNames: 'Саша' }, record).reasons).toContain(
      'firstName:diminutive',
    );
  });

  it('orders date-of-birth evidence: exact > swapped / one digit > same year > year ± 1 > missing', () => {
    const s = (dateOfBirth?: string) => score({ dateOfBirth }).score;
    expect(s('1991-04-07')).toBeGreaterThan(s('1991-07-04'));
    expect(s('1991-07-04')).toBeGreaterThan(s('1991'));
    expect(s('1991-04-08')).toBeGreaterThan(s('1991'));
    expect(s('1991-04-01')).toBeGreaterThan(s('1991'));
    expect(s('1991')).toBeGreaterThan(s('1992'));
    expect(s('1992')).toBeGreaterThan(s(undefined));
    expect(score({ dateOfBirth: '1991-07-04' }).reasons).toContain('dob:swapped');
    expect(score({ dateOfBirth: '1990' }).reasons).toContain('dob:year±1');
    // A clear contradiction pulls a perfect name match far below the threshold.
    const contradiction = score({ dateOfBirth: '1981-10-20', fatherName: 'Sergeevich' });
    expect(contradiction.reasons).toContain('dob:contradiction');
    expect(contradiction.score).toBeLessThan(0.2);
  });

  it('tells different people apart', () => {
    expect(score({ firstNames: 'Mykola' }).score).toBeLessThan(0.2);
    expect(scoreMatch({ surname: 'Гончаренко', firstNames: 'Олександр' }, record).score).toBeLessThan(0.2);
    expect(score({ fatherName: 'Petrovich' }).reasons).toContain('father:different');
    expect(score({ fatherName: 'Petrovich' }).score).toBeLessThan(score({}).score);
  });
});

describe('generator', () => {
  it('is deterministic and speaks both languages', () => {
    const a = generateRegistry(mulberry32(7), 50);
    const b = generateRegistry(mulberry32(7), 50);
    expect(a).toEqual(b);
    expect(patronymic('Сергей', 'ru')).toBe('Сергеевич');
    expect(patronymic('Сергій', 'uk')).toBe('Сергійович');
    expect(patronymic('Юрий', 'ru')).toBe('Юрьевич');
    expect(patronymic('Петро', 'uk')).toBe('Петрович');
    const rng = mulberry32(1);
    expect(romanize('Шевченко Жуков', 'german', 'uk', rng)).toBe('Schewtschenko Schukow');
    expect(romanize('Щербина', 'iso9', 'uk', rng)).toBe('Ŝerbina');
    expect(romanize('Хмельницький', 'gost-b', 'uk', rng)).toBe('Xmel`ny`c`ky`j');
  });
});

describe('evaluation on generated inquiries', () => {
  it('finds registry people with high precision and recall', () => {
    const started = performance.now();
    const rng = mulberry32(20250601);
    const registry = generateRegistry(rng, 2000);
    const inquiries = generateInquiries(rng, registry, 1200);

    // The database in miniature: keyed hash → record ids (here the plaintext key stands for its HMAC).
    const index = new Map<string, number[]>();
    let keyCount = 0;
    let keyMax = 0;
    for (const p of registry) {
      const keys = blockingKeys(p.record);
      keyCount += keys.length;
      keyMax = Math.max(keyMax, keys.length);
      for (const k of keys) {
        const ids = index.get(k);
        if (ids) ids.push(p.id);
        else index.set(k, [p.id]);
      }
    }

    let answered = 0;
    let answeredRight = 0;
    let asked = 0;
    let found = 0;
    let foundIn5 = 0;
    let retrieved = 0;
    let candidates = 0;
    let candidatesMax = 0;
    let candidates2 = 0;
    let postings = 0;
    let queryKeys = 0;
    for (const inquiry of inquiries) {
      const keys = blockingKeys(inquiry.query, 'query');
      queryKeys += keys.length;
      const shared = new Map<number, number>();
      for (const k of keys)
        for (const id of index.get(k) ?? []) {
          shared.set(id, (shared.get(id) ?? 0) + 1);
          postings++;
        }
      candidates += shared.size;
      candidatesMax = Math.max(candidatesMax, shared.size);
      for (const n of shared.values()) if (n >= 2) candidates2++;
      const ranked = [...shared]
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .slice(0, CANDIDATE_LIMIT)
        .map(([id]) => id);
      const shown = ranked
        .map((id) => ({ id, score: scoreMatch(inquiry.query, registry[id]!.record).score }))
        .filter((c) => c.score >= MATCH_THRESHOLD)
        .sort((a, b) => b.score - a.score)
        .slice(0, SHOWN_LIMIT);
      const top = shown[0];
      if (top) {
        answered++;
        if (top.id === inquiry.targetId) answeredRight++;
      }
      if (inquiry.targetId !== undefined) {
        asked++;
        if (ranked.includes(inquiry.targetId)) retrieved++;
        if (top?.id === inquiry.targetId) found++;
        if (shown.some((c) => c.id === inquiry.targetId)) foundIn5++;
      }
    }

    const precision = answeredRight / answered;
    const recall = found / asked;
    const recallAt5 = foundIn5 / asked;
    const retrieval = retrieved / asked;
    const n = inquiries.length;
    console.log(
      `name matching: registry=${registry.length} inquiries=${n} (in registry ${asked}) ` +
        `precision=${precision.toFixed(3)} recall=${recall.toFixed(3)} recall@${SHOWN_LIMIT}=${recallAt5.toFixed(3)} ` +
        `retrieval@${CANDIDATE_LIMIT}=${retrieval.toFixed(3)} candidates/inquiry avg=${(candidates / n).toFixed(1)} ` +
        `max=${candidatesMax} (≥2 shared keys avg=${(candidates2 / n).toFixed(1)}) postings/inquiry=${(postings / n).toFixed(0)} ` +
        `keys/record avg=${(keyCount / registry.length).toFixed(1)} max=${keyMax} keys/inquiry avg=${(queryKeys / n).toFixed(1)} ` +
        `ms=${(performance.now() - started).toFixed(0)}`,
    );
    expect(asked).toBeGreaterThan(0.65 * n);
    expect(precision).toBeGreaterThanOrEqual(0.97);
    expect(recall).toBeGreaterThanOrEqual(0.9);
    expect(recallAt5).toBeGreaterThanOrEqual(0.9);
    expect(retrieval).toBeGreaterThanOrEqual(0.98);
    expect(keyCount / registry.length).toBeLessThanOrEqual(25);
    expect(keyMax).toBeLessThanOrEqual(40);
  });
});
