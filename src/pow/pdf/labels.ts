import type { HealthState } from '../record.ts';

/**
 * Label texts of the GC III Annex IV A (identity card) and IV B (capture card) models, in the languages the
 * cards are printed in. English follows the Annex wording; Russian, Ukrainian and Korean are working
 * translations of it (plain, not the wording of any official translation of the Convention). Korean runs
 * are drawn in Nanum Gothic, everything else in Roboto (`fonts.ts`).
 */
export const CARD_LANGUAGES = ['ru', 'uk', 'en', 'ko'] as const;
export type CardLanguage = (typeof CARD_LANGUAGES)[number];
/** One label in every card language. */
export type CardLabel = Readonly<Record<CardLanguage, string>>;

const t = (ru: string, uk: string, en: string, ko: string): CardLabel => ({ ru, uk, en, ko });

export const captureCardLabels = {
  mail: t('ПОЧТА ВОЕННОПЛЕННЫХ', 'ПОШТА ВІЙСЬКОВОПОЛОНЕНИХ', 'PRISONER OF WAR MAIL', '포로 우편'),
  postageFree: t('Бесплатно', 'Безкоштовно', 'Postage free', '우편 요금 면제'),
  title: t(
    'КАРТОЧКА О ВЗЯТИИ В ПЛЕН ВОЕННОПЛЕННОГО',
    'КАРТКА ПРО ВЗЯТТЯ В ПОЛОН ВІЙСЬКОВОПОЛОНЕНОГО',
    'CAPTURE CARD FOR PRISONER OF WAR',
    '전쟁포로 포획 카드',
  ),
  important: t('ВАЖНО', 'ВАЖЛИВО', 'IMPORTANT', '중요'),
  importantText: t(
    'Эта карточка должна быть заполнена каждым военнопленным сразу после взятия в плен и при каждой смене адреса (в случае перевода в госпиталь или в другой лагерь). Она не заменяет особую карточку, которую каждый военнопленный вправе послать своим родственникам.',
    'Цю картку заповнює кожен військовополонений одразу після взяття в полон і щоразу, коли змінюється його адреса (у разі переведення до госпіталю чи до іншого табору). Вона не замінює окрему картку, яку кожен військовополонений має право надіслати своїм рідним.',
    'This card must be completed by each prisoner immediately after being taken prisoner and each time his address is changed (by reason of transfer to a hospital or to another camp). This card is distinct from the special card which each prisoner is allowed to send to his relatives.',
    '이 카드는 모든 포로가 포로가 된 즉시, 그리고 주소가 바뀔 때마다(병원이나 다른 수용소로 옮겨지는 경우) 작성해야 합니다. 이 카드는 각 포로가 가족에게 보낼 수 있는 특별 카드와는 별개입니다.',
  ),
  agency: t(
    'Центральное агентство по делам военнопленных, Международный комитет Красного Креста, Женева',
    'Центральне агентство у справах військовополонених, Міжнародний комітет Червоного Хреста, Женева',
    'Central Prisoners of War Agency, International Committee of the Red Cross, Geneva',
    '중앙포로기구, 국제적십자위원회, 제네바',
  ),
  writeLegibly: t(
    'Пишите разборчиво, печатными буквами',
    'Пишіть розбірливо, друкованими літерами',
    'Write legibly and in block letters',
    '알아보기 쉽게 정자로 쓰십시오',
  ),
  strikeOut: t(
    'Ненужное зачеркнуть. Не добавлять никаких замечаний.',
    'Непотрібне закреслити. Не додавати жодних зауважень.',
    'Strike out what is not applicable. Do not add any remarks.',
    '해당하지 않는 것은 지우십시오. 다른 말은 덧붙이지 마십시오.',
  ),
  item1: t(
    'Держава, от которой зависит военнопленный',
    'Держава, від якої залежить військовополонений',
    'Power on which the prisoner depends',
    '포로가 속한 국가',
  ),
  item2: t('Фамилия', 'Прізвище', 'Name', '성'),
  item3: t('Имена (полностью)', 'Імена (повністю)', 'First names (in full)', '이름(전부)'),
  item4: t('Имя отца', 'Ім’я батька', 'First name of father', '아버지의 이름'),
  item5: t('Дата рождения', 'Дата народження', 'Date of birth', '생년월일'),
  item6: t('Место рождения', 'Місце народження', 'Place of birth', '출생지'),
  item7: t('Звание', 'Звання', 'Rank', '계급'),
  item8: t('Личный номер', 'Особовий номер', 'Service number', '군번'),
  item9: t('Адрес семьи', 'Адреса родини', 'Address of family', '가족 주소'),
  item10taken: t('Взят в плен (дата)', 'Узятий у полон (дата)', 'Taken prisoner on (date)', '포로가 된 날짜'),
  item10coming: t(
    'или Прибыл из (лагерь, госпиталь)',
    'або Прибув з (табір, госпіталь)',
    'or Coming from (camp, hospital)',
    '또는 이전 장소(수용소, 병원)',
  ),
  item12: t('Мой настоящий адрес', 'Моя теперішня адреса', 'My present address', '현재 주소'),
  item12number: t('Номер военнопленного', 'Номер військовополоненого', 'Prisoner number', '포로 번호'),
  item12camp: t('Название лагеря', 'Назва табору', 'Name of camp', '수용소 이름'),
  item13: t('Дата', 'Дата', 'Date', '날짜'),
  item14: t('Подпись', 'Підпис', 'Signature', '서명'),
} as const;

/** Annex IV B item 11, in the order and with the letters of the model. */
export const healthLabels: Readonly<Record<HealthState, { letter: string; label: CardLabel }>> = {
  good_health: { letter: 'a', label: t('Здоров', 'Здоровий', 'Good health', '건강함') },
  not_wounded: { letter: 'b', label: t('Не ранен', 'Не поранений', 'Not wounded', '부상 없음') },
  recovered: { letter: 'c', label: t('Выздоровел', 'Одужав', 'Recovered', '회복됨') },
  convalescent: { letter: 'd', label: t('Выздоравливает', 'Одужує', 'Convalescent', '회복 중') },
  sick: { letter: 'e', label: t('Болен', 'Хворий', 'Sick', '병에 걸림') },
  slightly_wounded: { letter: 'f', label: t('Легко ранен', 'Легко поранений', 'Slightly wounded', '경상') },
  seriously_wounded: {
    letter: 'g',
    label: t('Тяжело ранен', 'Тяжко поранений', 'Seriously wounded', '중상'),
  },
};

export const identityCardLabels = {
  issuingPower: t(
    'Держава, выдавшая удостоверение',
    'Держава, що видала посвідчення',
    'Power issuing the card',
    '신분증명서를 발급한 국가',
  ),
  title: t(
    'УДОСТОВЕРЕНИЕ ЛИЧНОСТИ ВОЕННОПЛЕННОГО',
    'ПОСВІДЧЕННЯ ОСОБИ ВІЙСЬКОВОПОЛОНЕНОГО',
    'IDENTITY CARD FOR A PRISONER OF WAR',
    '전쟁포로 신분증명서',
  ),
  surname: t('Фамилия', 'Прізвище', 'Surname', '성'),
  firstNames: t('Имена', 'Імена', 'First names', '이름'),
  dateOfBirth: t('Дата рождения', 'Дата народження', 'Date of birth', '생년월일'),
  serviceNumber: t(
    'Армейский, полковой, личный или порядковый номер',
    'Армійський, полковий, особовий або порядковий номер',
    'Army, regimental, personal or serial number',
    '군번, 연대 번호, 개인 번호 또는 일련번호',
  ),
  rank: t('Звание', 'Звання', 'Rank', '계급'),
  powerDependedOn: t(
    'Держава, от которой зависит военнопленный',
    'Держава, від якої залежить військовополонений',
    'Power on which the prisoner depends',
    '포로가 속한 국가',
  ),
  prisonerNumber: t('Номер военнопленного', 'Номер військовополоненого', 'Prisoner number', '포로 번호'),
  issuedOn: t('Дата выдачи', 'Дата видачі', 'Date of issue', '발급일'),
  signature: t('Подпись владельца', 'Підпис власника', 'Signature of bearer', '소지자 서명'),
  fingerprints: t('Отпечатки пальцев', 'Відбитки пальців', 'Fingerprints', '지문'),
  leftForefinger: t('Левый указательный', 'Лівий вказівний', 'Left forefinger', '왼손 검지'),
  rightForefinger: t('Правый указательный', 'Правий вказівний', 'Right forefinger', '오른손 검지'),
  stamp: t(
    'Печать органа, выдавшего удостоверение',
    'Печатка органу, що видав посвідчення',
    'Stamp of the authority issuing the card',
    '발급 기관의 직인',
  ),
} as const;

/**
 * The label language of the card (GC III art. 70: the card is in the prisoner's language too): the first
 * of the prisoner's languages the cards are printed in, else English — the Annex wording, which the ICRC
 * reads — never Russian by default (issue #14). A Korean prisoner's card is in Korean; a language the cards
 * are not printed in yet (docs/adding-a-language.md) gets English.
 */
export function primaryLanguage(languages: readonly string[]): CardLanguage {
  return (languages.find((l) => (CARD_LANGUAGES as readonly string[]).includes(l)) as CardLanguage) ?? 'en';
}

/** The second label language; English when the requested one is the prisoner's own (Ukrainian when that is English). */
export function secondaryLanguage(primary: CardLanguage, requested: 'uk' | 'en'): CardLanguage {
  if (requested !== primary) return requested;
  return primary === 'en' ? 'uk' : 'en';
}
