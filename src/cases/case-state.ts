/**
 * The case state machine: one pure module, no I/O. The surrender protocol ("the algorithm") moves a
 * request through these states; every transition is checked here and audited by the caller.
 *
 *   new → screening → verified → awaiting_front_contact → meeting_agreed → in_progress → in_custody
 * with exits to unreachable / withdrawn / rejected_probe / closed_info_given, and re-opening back to
 * screening when a closed requester writes again or an operator overrules a probe verdict.
 */
export const CASE_STATES = [
  'new',
  'screening',
  'verified',
  'awaiting_front_contact',
  'meeting_agreed',
  'in_progress',
  'in_custody',
  'unreachable',
  'withdrawn',
  'rejected_probe',
  'closed_info_given',
] as const;

export type CaseState = (typeof CASE_STATES)[number];

const TRANSITIONS: Record<CaseState, readonly CaseState[]> = {
  new: ['screening', 'closed_info_given', 'rejected_probe', 'withdrawn', 'unreachable'],
  screening: ['verified', 'closed_info_given', 'rejected_probe', 'withdrawn', 'unreachable'],
  verified: [
    'awaiting_front_contact',
    'meeting_agreed',
    'closed_info_given',
    'rejected_probe',
    'withdrawn',
    'unreachable',
  ],
  awaiting_front_contact: ['meeting_agreed', 'rejected_probe', 'withdrawn', 'unreachable'],
  meeting_agreed: ['in_progress', 'awaiting_front_contact', 'withdrawn', 'unreachable'],
  in_progress: ['in_custody', 'meeting_agreed', 'withdrawn', 'unreachable'],
  // In custody the case is handed to the POW registry; nothing moves it back.
  in_custody: [],
  unreachable: ['screening'],
  withdrawn: ['screening'],
  rejected_probe: ['screening'],
  closed_info_given: ['screening'],
};

export const CLOSED_STATES: readonly CaseState[] = [
  'in_custody',
  'unreachable',
  'withdrawn',
  'rejected_probe',
  'closed_info_given',
];

export function isCaseState(v: unknown): v is CaseState {
  return typeof v === 'string' && (CASE_STATES as readonly string[]).includes(v);
}

export function allowedTransitions(from: CaseState): readonly CaseState[] {
  return TRANSITIONS[from];
}

export function canTransition(from: CaseState, to: CaseState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isClosed(s: CaseState): boolean {
  return CLOSED_STATES.includes(s);
}
