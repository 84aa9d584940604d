import type { Language } from '../i18n/i18n.ts';

/**
 * Starting texts for the registrar's answer, in the relative's language. The registrar edits them
 * before sending; nothing is sent without a person confirming. The texts never say how the person
 * came into custody (a voluntary surrender must not leak).
 */
export function answerTemplates(
  lang: Language,
  q: { sought: { surname: string; firstNames: string } },
): Record<'found' | 'not_found' | 'not_disclosed', string> {
  const who = `${q.sought.surname} ${q.sought.firstNames}`.trim();
  const t = {
    ru: {
      found: `Здравствуйте. ${who} находится в плену в Украине. Он жив, условия содержания соответствуют Женевской конвенции. Вы можете написать ему письмо через эту страницу.`,
      not_found: `Здравствуйте. Человек по имени ${who} в наших списках военнопленных сейчас не значится. Если появятся новые сведения, напишите нам снова.`,
      not_disclosed: '',
    },
    uk: {
      found: `Добрий день. ${who} перебуває в полоні в Україні. Він живий, умови утримання відповідають Женевській конвенції. Ви можете написати йому листа через цю сторінку.`,
      not_found: `Добрий день. Людина на ім'я ${who} у наших списках військовополонених зараз не значиться. Якщо з'являться нові відомості, напишіть нам знову.`,
      not_disclosed: '',
    },
    en: {
      found: `Hello. ${who} is held as a prisoner of war in Ukraine. He is alive and held under the Geneva Convention. You can write him a letter through this page.`,
      not_found: `Hello. No person named ${who} is on our list of prisoners of war at present. If you learn more, please write to us again.`,
      not_disclosed: '',
    },
    ko: {
      found: `안녕하십니까. ${who} 님은 우크라이나에서 전쟁포로로 있습니다. 그는 살아 있으며 제네바 협약에 따라 대우받고 있습니다. 이 페이지를 통해 그에게 편지를 쓸 수 있습니다.`,
      not_found: `안녕하십니까. ${who}(이)라는 사람은 현재 우리 전쟁포로 명단에 없습니다. 새로운 정보가 있으면 다시 글을 보내 주십시오.`,
      not_disclosed: '',
    },
  } as const;
  // A prisoner who asked that relatives not be told is answered exactly like someone not held:
  // anyone can ask, and a different answer would itself disclose him.
  return { ...t[lang], not_disclosed: t[lang].not_found };
}
