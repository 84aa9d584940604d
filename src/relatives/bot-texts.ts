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

/** Longest answer per step: a longer one is not a name but a message (it goes to the hotline instead). */
export const STEP_MAX: Record<FindStep, number> = {
  surname: 60,
  firstNames: 60,
  fatherName: 60,
  dateOfBirth: 10,
  yourName: 100,
  relationship: 60,
};

type FindText = FindStep | 'intro' | 'done' | 'invalid' | 'skip' | 'notAName' | 'cancelled' | 'tooMany';

export const BOT_FIND: Record<Language, Record<FindText, string>> = {
  ru: {
    intro:
      'Поиск человека в плену. Ответьте на несколько вопросов (/cancel — отменить). Ответ придёт сюда после проверки.',
    surname: 'Фамилия человека, которого вы ищете?',
    firstNames: 'Его имя?',
    fatherName: 'Отчество? (/skip — пропустить)',
    dateOfBirth: 'Дата рождения (ГГГГ-ММ-ДД или только год)? (/skip — пропустить)',
    yourName: 'Как вас зовут?',
    relationship: 'Кем вы ему приходитесь (мать, жена…)?',
    done: 'Запрос принят. Мы проверим списки военнопленных и ответим здесь.',
    invalid: 'Не понял ответ. Попробуйте ещё раз.',
    skip: '/skip — пропустить',
    notAName:
      'Это похоже на сообщение, а не на имя. Поиск остановлен, а ваше сообщение передано операторам горячей линии — они ответят здесь.',
    cancelled: 'Поиск отменён.',
    tooMany: 'У вас уже есть несколько запросов о поиске. Дождитесь ответа на них.',
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
    notAName:
      'Це схоже на повідомлення, а не на ім’я. Пошук зупинено, а ваше повідомлення передано операторам гарячої лінії — вони відповідять тут.',
    cancelled: 'Пошук скасовано.',
    tooMany: 'У вас уже є кілька запитів про пошук. Дочекайтеся відповіді на них.',
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
    notAName:
      'That looks like a message, not a name. The search was stopped and your message was passed to the hotline operators; they will answer here.',
    cancelled: 'Search cancelled.',
    tooMany: 'You already have several search requests open. Please wait for their answers.',
  },
};
