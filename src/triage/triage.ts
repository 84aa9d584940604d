import type { CallerCategory } from '../cases/categories.ts';
import { type DetectedLanguage, detectLanguage } from './language.ts';

export { detectLanguage };

/**
 * Intake triage: pure and explainable. Urgency 0 (information) … 3 (life at stake now). A serviceman
 * in the war zone starts high; words about wounds or "today/now" raise any request by one.
 */
export interface TriageResult {
  urgency: 0 | 1 | 2 | 3;
  reasons: string[];
  /** ISO 639-1 code where there is one (`ko`, `kk` …), else ISO 639-3, or `other` (see language.ts). */
  detectedLanguage: DetectedLanguage;
}

const BASE: Record<CallerCategory, 0 | 1 | 2 | 3> = {
  serviceman_war_zone: 3,
  mobilized_home: 2,
  relative: 1,
  occupied_resident: 1,
  other: 1,
  just_checking: 0,
};

const URGENT_WORDS = [
  /ранен/i,
  /поранен/i,
  /ранени/i,
  /wound/i,
  /injur/i,
  /сегодня/i,
  /сьогодні/i,
  /сейчас/i,
  /зараз/i,
  /\btoday\b/i,
  /\bnow\b/i,
  /завтра/i,
  /tomorrow/i,
];

export function triageRequest(input: { category: CallerCategory; body: string }): TriageResult {
  const reasons = [`category:${input.category}`];
  let urgency: number = BASE[input.category];
  if (URGENT_WORDS.some((re) => re.test(input.body))) {
    urgency += 1;
    reasons.push('urgent-words');
  }
  return {
    urgency: Math.min(3, urgency) as TriageResult['urgency'],
    reasons,
    detectedLanguage: detectLanguage(input.body),
  };
}
