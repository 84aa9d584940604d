/**
 * The reason codes a request's spam score carries. No imports: the console bundles this list and has
 * words for each code (console/src/i18n: `triage.reasons`), so a code added here without words fails
 * `npm run typecheck`.
 */

/** What the scoring rules say fired (scoring.ts `RULES` may name only these). */
export const SCORING_REASONS = [
  'template-text',
  'near-duplicate-text',
  'identity-flood',
  'gibberish',
  'flagged-identity',
  'flagged-template',
] as const;
/** What an operator's verdict adds (case-commands.service.ts). */
export const VERDICT_REASONS = ['operator-confirmed', 'operator-overruled'] as const;

export const SPAM_REASONS = [...SCORING_REASONS, ...VERDICT_REASONS] as const;
export type ScoringReason = (typeof SCORING_REASONS)[number];
export type SpamReason = (typeof SPAM_REASONS)[number];
