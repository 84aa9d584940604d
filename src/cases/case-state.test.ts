import { describe, expect, it } from 'vitest';
import {
  allowedTransitions,
  CASE_STATES,
  type CaseState,
  CLOSED_STATES,
  canTransition,
  isClosed,
} from './case-state.ts';

// The whole table, written out once more by hand: a change to the state machine must change this test.
const ALLOWED: Array<[CaseState, CaseState]> = [
  ['new', 'screening'],
  ['new', 'closed_info_given'],
  ['new', 'rejected_probe'],
  ['new', 'withdrawn'],
  ['new', 'unreachable'],
  ['screening', 'verified'],
  ['screening', 'closed_info_given'],
  ['screening', 'rejected_probe'],
  ['screening', 'withdrawn'],
  ['screening', 'unreachable'],
  ['verified', 'awaiting_front_contact'],
  ['verified', 'meeting_agreed'],
  ['verified', 'closed_info_given'],
  ['verified', 'rejected_probe'],
  ['verified', 'withdrawn'],
  ['verified', 'unreachable'],
  ['awaiting_front_contact', 'meeting_agreed'],
  ['awaiting_front_contact', 'rejected_probe'],
  ['awaiting_front_contact', 'withdrawn'],
  ['awaiting_front_contact', 'unreachable'],
  ['meeting_agreed', 'in_progress'],
  ['meeting_agreed', 'awaiting_front_contact'],
  ['meeting_agreed', 'withdrawn'],
  ['meeting_agreed', 'unreachable'],
  ['in_progress', 'in_custody'],
  ['in_progress', 'meeting_agreed'],
  ['in_progress', 'withdrawn'],
  ['in_progress', 'unreachable'],
  ['unreachable', 'screening'],
  ['withdrawn', 'screening'],
  ['rejected_probe', 'screening'],
  ['closed_info_given', 'screening'],
];

describe('case state machine', () => {
  const allowed = new Set(ALLOWED.map(([a, b]) => `${a}>${b}`));
  for (const from of CASE_STATES) {
    for (const to of CASE_STATES) {
      const expected = allowed.has(`${from}>${to}`);
      it(`${expected ? 'allows' : 'refuses'} ${from} → ${to}`, () => {
        expect(canTransition(from, to)).toBe(expected);
      });
    }
  }

  it('never leaves in_custody (the POW registry takes over)', () => {
    expect(allowedTransitions('in_custody')).toEqual([]);
  });

  it('marks exactly the end states as closed', () => {
    expect(CASE_STATES.filter(isClosed)).toEqual(CLOSED_STATES);
    expect(isClosed('meeting_agreed')).toBe(false);
  });

  it('can reach in_custody from new only through the protocol order', () => {
    const path: CaseState[] = [
      'new',
      'screening',
      'verified',
      'awaiting_front_contact',
      'meeting_agreed',
      'in_progress',
      'in_custody',
    ];
    for (let i = 1; i < path.length; i++)
      expect(canTransition(path[i - 1] as CaseState, path[i] as CaseState)).toBe(true);
    expect(canTransition('new', 'in_custody')).toBe(false);
    expect(canTransition('screening', 'meeting_agreed')).toBe(false);
  });
});
