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

type FindText =
  | FindStep
  | 'intro'
  | 'done'
  | 'invalid'
  | 'skip'
  | 'notAName'
  | 'cancelled'
  | 'tooMany'
  | 'dobUnderstood';

export const BOT_FIND: Record<Language, Record<FindText, string>> = {
  ru: {
    intro:
      'Поиск человека в плену. Ответьте на несколько вопросов (/cancel — отменить). Ответ придёт сюда после проверки.',
    surname: 'Фамилия человека, которого вы ищете?',
    firstNames: 'Его имя?',
    fatherName: 'Отчество? (/skip — пропустить)',
    dateOfBirth: 'Дата рождения (например 15.03.1990 или только год)? (/skip — пропустить)',
    yourName: 'Как вас зовут?',
    relationship: 'Кем вы ему приходитесь (мать, жена…)?',
    done: 'Запрос принят. Мы проверим списки военнопленных и ответим здесь.',
    invalid: 'Не понял ответ. Попробуйте ещё раз.',
    skip: '/skip — пропустить',
    notAName:
      'Это похоже на сообщение, а не на имя. Поиск остановлен, а ваше сообщение передано операторам горячей линии — они ответят здесь.',
    cancelled: 'Поиск отменён.',
    tooMany: 'У вас уже есть несколько запросов о поиске. Дождитесь ответа на них.',
    dobUnderstood: 'Дата рождения понята как',
  },
  uk: {
    intro:
      'Пошук людини в полоні. Дайте відповідь на кілька запитань. Відповідь надійде сюди після перевірки.',
    surname: 'Прізвище людини, яку ви шукаєте?',
    firstNames: "Його ім'я?",
    fatherName: 'По батькові? (/skip — пропустити)',
    dateOfBirth: 'Дата народження (наприклад 15.03.1990 або лише рік)? (/skip — пропустити)',
    yourName: 'Як вас звати?',
    relationship: 'Ким ви йому доводитеся (мати, дружина…)?',
    done: 'Запит прийнято. Ми перевіримо списки військовополонених і відповімо тут.',
    invalid: 'Не зрозумів відповідь. Спробуйте ще раз.',
    skip: '/skip — пропустити',
    notAName:
      'Це схоже на повідомлення, а не на ім’я. Пошук зупинено, а ваше повідомлення передано операторам гарячої лінії — вони відповідять тут.',
    cancelled: 'Пошук скасовано.',
    tooMany: 'У вас уже є кілька запитів про пошук. Дочекайтеся відповіді на них.',
    dobUnderstood: 'Дату народження зрозуміли як',
  },
  en: {
    intro:
      'Find a person held as a prisoner of war. Answer a few questions; the answer will come here once checked.',
    surname: 'Surname of the person you are looking for?',
    firstNames: 'His first name?',
    fatherName: 'Patronymic? (/skip to skip)',
    dateOfBirth: 'Date of birth (for example 15.03.1990 or just the year)? (/skip to skip)',
    yourName: 'Your name?',
    relationship: 'Your relationship to him (mother, wife…)?',
    done: 'Inquiry received. We will check the list of prisoners of war and answer here.',
    invalid: 'I did not understand. Please try again.',
    skip: '/skip to skip',
    notAName:
      'That looks like a message, not a name. The search was stopped and your message was passed to the hotline operators; they will answer here.',
    cancelled: 'Search cancelled.',
    tooMany: 'You already have several search requests open. Please wait for their answers.',
    dobUnderstood: 'Date of birth understood as',
  },
  ko: {
    intro: '포로로 잡힌 사람 찾기. 몇 가지 질문에 답하십시오 (/cancel — 취소). 확인 후 여기로 답이 옵니다.',
    surname: '찾는 사람의 성은 무엇입니까?',
    firstNames: '그의 이름은 무엇입니까?',
    fatherName: '부칭(아버지 이름)은? (/skip — 건너뛰기)',
    dateOfBirth: '생년월일 (1990-03-15 또는 연도만)? (/skip — 건너뛰기)',
    yourName: '당신의 이름은 무엇입니까?',
    relationship: '그와 어떤 관계입니까 (어머니, 아내 등)?',
    done: '요청을 받았습니다. 전쟁포로 명단을 확인하고 여기에서 답하겠습니다.',
    invalid: '답을 이해하지 못했습니다. 다시 시도하십시오.',
    skip: '/skip — 건너뛰기',
    notAName:
      '이름이 아니라 메시지처럼 보입니다. 찾기를 멈추고 메시지를 상담원에게 전달했습니다. 상담원이 여기에서 답할 것입니다.',
    cancelled: '찾기를 취소했습니다.',
    tooMany: '이미 여러 건의 찾기 요청이 있습니다. 그 답을 기다려 주십시오.',
    dobUnderstood: '생년월일을 다음과 같이 이해했습니다',
  },
};
