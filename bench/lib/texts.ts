import { randomInt } from 'node:crypto';

/** Everyday Russian words: the flood's vocabulary (issue #13's "varied texts"). */
export const FLOOD_WORDS: readonly string[] =
  'дом поле река утро вечер письмо дорога город брат мать отец друг ночь зима весна лето осень хлеб вода свет окно дверь стол книга работа война мир помощь связь телефон деньги поезд автобус школа больница врач солдат часть приказ позиция отпуск семья сестра сын дочь жена муж'.split(
    ' ',
  );

/** 12–31 words drawn at random: no two requests alike, as a flood of varied texts sends them. */
export function variedText(words: readonly string[] = FLOOD_WORDS): string {
  const n = 12 + randomInt(20);
  return Array.from({ length: n }, () => words[randomInt(words.length)]).join(' ');
}
