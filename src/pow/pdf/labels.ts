import type { HealthState } from '../record.ts';

/**
 * Label texts of the GC III Annex IV A (identity card) and IV B (capture card) models, in the languages the
 * cards are printed in. English follows the Annex wording; Russian and Ukrainian are working translations
 * of it (plain, not the wording of any official translation of the Convention).
 */
export const CARD_LANGUAGES = ['ru', 'uk', 'en'] as const;
export type CardLanguage = (typeof CARD_LANGUAGES)[number];
export type Trilingual = Readonly<Record<CardLanguage, string>>;

const t = (ru: string, uk: string, en: string): Trilingual => ({ ru, uk, en });

export const captureCardLabels = {
  mail: t('ПОЧТА ВОЕННОПЛЕННЫХ', 'ПОШТА ВІЙСЬКОВОПОЛОНЕНИХ', 'PRISONER OF WAR MAIL'),
  postageFree: t('Бесплатно', 'Безкоштовно', 'Postage free'),
  title: t(
    'КАРТОЧКА О ВЗЯТИИ В ПЛЕН ВОЕННОПЛЕННОГО',
    'КАРТКА ПРО ВЗЯТТЯ В ПОЛОН ВІЙСЬКОВОПОЛОНЕНОГО',
    'CAPTURE CARD FOR PRISONER OF WAR',
  ),
  important: t('ВАЖНО', 'ВАЖЛИВО', 'IMPORTANT'),
  importantText: t(
    'Эта карточка должна быть заполнена каждым военнопленным сразу после взятия в плен и при каждой смене адреса (в случае перевода в госпиталь или в другой лагерь). Она не заменяет особую карточку, которую каждый военнопленный вправе послать своим родственникам.',
    'Цю картку заповнює кожен військовополонений одразу після взяття в полон і щоразу, коли змінюється його адреса (у разі переведення до госпіталю чи до іншого табору). Вона не замінює окрему картку, яку кожен військовополонений має право надіслати своїм рідним.',
    'This card must be completed by each prisoner immediately after being taken prisoner and each time his address is changed (by reason of transfer to a hospital or to another camp). This card is distinct from the special card which each prisoner is allowed to send to his relatives.',
  ),
  agency: t(
    'Центральное агентство по делам военнопленных, Международный комитет Красного Креста, Женева',
    'Центральне агентство у справах військовополонених, Міжнародний комітет Червоного Хреста, Женева',
    'Central Prisoners of War Agency, International Committee of the Red Cross, Geneva',
  ),
  writeLegibly: t(
    'Пишите разборчиво, печатными буквами',
    'Пишіть розбірливо, друкованими літерами',
    'Write legibly and in block letters',
  ),
  strikeOut: t(
    'Ненужное зачеркнуть. Не добавлять никаких замечаний.',
    'Непотрібне закреслити. Не додавати жодних зауважень.',
    'Strike out what is not applicable. Do not add any remarks.',
  ),
  item1: t(
    'Держава, от которой зависит военнопленный',
    'Держава, від якої залежить військовополонений',
    'Power on which the prisoner depends',
  ),
  item2: t('Фамилия', 'Прізвище', 'Name'),
  item3: t('Имена (полностью)', 'Імена (повністю)', 'First names (in full)'),
  item4: t('Имя отца', 'Ім’я батька', 'First name of father'),
  item5: t('Дата рождения', 'Дата народження', 'Date of birth'),
  item6: t('Место рождения', 'Місце народження', 'Place of birth'),
  item7: t('Звание', 'Звання', 'Rank'),
  item8: t('Личный номер', 'Особовий номер', 'Service number'),
  item9: t('Адрес семьи', 'Адреса родини', 'Address of family'),
  item10taken: t('Взят в плен (дата)', 'Узятий у полон (дата)', 'Taken prisoner on (date)'),
  item10coming: t(
    'или Прибыл из (лагерь, госпиталь)',
    'або Прибув з (табір, госпіталь)',
    'or Coming from (camp, hospital)',
  ),
  item12: t('Мой настоящий адрес', 'Моя теперішня адреса', 'My present address'),
  item12number: t('Номер военнопленного', 'Номер військовополоненого', 'Prisoner number'),
  item12camp: t('Название лагеря', 'Назва табору', 'Name of camp'),
  item13: t('Дата', 'Дата', 'Date'),
  item14: t('Подпись', 'Підпис', 'Signature'),
} as const;

/** Annex IV B item 11, in the order and with the letters of the model. */
export const healthLabels: Readonly<Record<HealthState, { letter: string; label: Trilingual }>> = {
  good_health: { letter: 'a', label: t('Здоров', 'Здоровий', 'Good health') },
  not_wounded: { letter: 'b', label: t('Не ранен', 'Не поранений', 'Not wounded') },
  recovered: { letter: 'c', label: t('Выздоровел', 'Одужав', 'Recovered') },
  convalescent: { letter: 'd', label: t('Выздоравливает', 'Одужує', 'Convalescent') },
  sick: { letter: 'e', label: t('Болен', 'Хворий', 'Sick') },
  slightly_wounded: { letter: 'f', label: t('Легко ранен', 'Легко поранений', 'Slightly wounded') },
  seriously_wounded: { letter: 'g', label: t('Тяжело ранен', 'Тяжко поранений', 'Seriously wounded') },
};

export const identityCardLabels = {
  issuingPower: t(
    'Держава, выдавшая удостоверение',
    'Держава, що видала посвідчення',
    'Power issuing the card',
  ),
  title: t(
    'УДОСТОВЕРЕНИЕ ЛИЧНОСТИ ВОЕННОПЛЕННОГО',
    'ПОСВІДЧЕННЯ ОСОБИ ВІЙСЬКОВОПОЛОНЕНОГО',
    'IDENTITY CARD FOR A PRISONER OF WAR',
  ),
  surname: t('Фамилия', 'Прізвище', 'Surname'),
  firstNames: t('Имена', 'Імена', 'First names'),
  dateOfBirth: t('Дата рождения', 'Дата народження', 'Date of birth'),
  serviceNumber: t(
    'Армейский, полковой, личный или порядковый номер',
    'Армійський, полковий, особовий або порядковий номер',
    'Army, regimental, personal or serial number',
  ),
  rank: t('Звание', 'Звання', 'Rank'),
  powerDependedOn: t(
    'Держава, от которой зависит военнопленный',
    'Держава, від якої залежить військовополонений',
    'Power on which the prisoner depends',
  ),
  prisonerNumber: t('Номер военнопленного', 'Номер військовополоненого', 'Prisoner number'),
  issuedOn: t('Дата выдачи', 'Дата видачі', 'Date of issue'),
  signature: t('Подпись владельца', 'Підпис власника', 'Signature of bearer'),
  fingerprints: t('Отпечатки пальцев', 'Відбитки пальців', 'Fingerprints'),
  leftForefinger: t('Левый указательный', 'Лівий вказівний', 'Left forefinger'),
  rightForefinger: t('Правый указательный', 'Правий вказівний', 'Right forefinger'),
  stamp: t(
    'Печать органа, выдавшего удостоверение',
    'Печатка органу, що видав посвідчення',
    'Stamp of the authority issuing the card',
  ),
} as const;

/**
 * The label language of the card (GC III art. 70: the card is in the prisoner's language too): the first
 * of the prisoner's languages the cards are printed in, else English — the Annex wording, which the ICRC
 * reads — never Russian by default (issue #14). Korean and other scripts need a font pdfmake's Roboto
 * lacks (Hangul); until one ships (docs/adding-a-language.md) a Korean prisoner's card is in English.
 */
export function primaryLanguage(languages: readonly string[]): CardLanguage {
  return (languages.find((l) => (CARD_LANGUAGES as readonly string[]).includes(l)) as CardLanguage) ?? 'en';
}

/** The second label language; English when the requested one is the prisoner's own (Ukrainian when that is English). */
export function secondaryLanguage(primary: CardLanguage, requested: 'uk' | 'en'): CardLanguage {
  if (requested !== primary) return requested;
  return primary === 'en' ? 'uk' : 'en';
}
