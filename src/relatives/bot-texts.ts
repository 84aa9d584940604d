import type { Language } from '../i18n/i18n.ts';

/** The Telegram bot's "find a person" dialogue (/find), per language. */
export const FIND_STEPS = [
  'surname',
  'firstNames',
  'fatherName',
  'dateOfBirth',
  'yourName',
  'relationship',
] as const;
export type FindStep = (typeof FIND_STEPS)[number];
export const OPTIONAL_STEPS: readonly FindStep[] = ['fatherName', 'dateOfBirth'];

export const BOT_FIND: Record<Language, Record<FindStep | 'intro' | 'done' | 'invalid' | 'skip', string>> = {
  ru: {
    intro: 'Поиск человека в плену. Ответьте на несколько вопросов. Ответ придёт сюда после проверки.',
    surname: 'Фамилия человека, которого вы ищете?',
    firstNames: 'Его имя?',
    fatherName: 'Отчество? (/skip — пропустить)',
    dateOfBirth: 'Дата рождения (ГГГГ-ММ-ДД или только год)? (/skip — пропустить)',
    yourName: 'Как вас зовут?',
    relationship: 'Кем вы ему приходитесь (мать, жена…)?',
    done: 'Запрос принят. Мы проверим списки военнопленных и ответим здесь.',
    invalid: 'Не понял ответ. Попробуйте ещё раз.',
    skip: '/skip — пропустить',
  },
  uk: {
    intro:
      'Пошук людини в полоні. Дайте відповідь на кілька запитань. Відповідь надійде сюди після перевірки.',
    surname: 'Прізвище людини, яку ви шукаєте?',
    firstNames: "Його ім'я?",
    fatherName: 'По батькові? (/skip — пропустити)',
    dateOfBirth: 'Дата народження (РРРР-ММ-ДД або лише рік)? (/skip — пропустити)',
    yourName: 'Як вас звати?',
    relationship: 'Ким ви йому доводитеся (мати, дружина…)?',
    done: 'Запит прийнято. Ми перевіримо списки військовополонених і відповімо тут.',
    invalid: 'Не зрозумів відповідь. Спробуйте ще раз.',
    skip: '/skip — пропустити',
  },
  en: {
    intro:
      'Find a person held as a prisoner of war. Answer a few questions; the answer will come here once checked.',
    surname: 'Surname of the person you are looking for?',
    firstNames: 'His first name?',
    fatherName: 'Patronymic? (/skip to skip)',
    dateOfBirth: 'Date of birth (YYYY-MM-DD or just the year)? (/skip to skip)',
    yourName: 'Your name?',
    relationship: 'Your relationship to him (mother, wife…)?',
    done: 'Inquiry received. We will check the list of prisoners of war and answer here.',
    invalid: 'I did not understand. Please try again.',
    skip: '/skip to skip',
  },
};
