import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedTransitions,
  CASE_STATES,
  type CaseState,
  canTransition,
  isCaseState,
  isClosed,
} from './case-state.ts';

/** Any sequence of attempted moves (the console can send any) keeps a case in a defined state. */
describe('case state machine, property-based', () => {
  const anyState = fc.constantFrom(...CASE_STATES);

  it('no sequence of actions reaches an undefined state, and refused moves change nothing', () => {
    fc.assert(
      fc.property(fc.array(anyState, { maxLength: 60 }), (attempts) => {
        let state: CaseState = 'new';
        for (const to of attempts) {
          const before = state;
          if (canTransition(state, to)) state = to;
          expect(isCaseState(state)).toBe(true);
          if (!canTransition(before, to)) expect(state).toBe(before);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('in_custody is absorbing: once reached, nothing moves the case', () => {
    fc.assert(
      fc.property(fc.array(anyState, { maxLength: 30 }), (attempts) => {
        let state: CaseState = 'in_custody';
        for (const to of attempts) if (canTransition(state, to)) state = to;
        expect(state).toBe('in_custody');
      }),
    );
  });

  it('every state is reachable from new, and every open state can still close', () => {
    const reachable = new Set<CaseState>(['new']);
    const queue: CaseState[] = ['new'];
    while (queue.length) {
      const s = queue.shift() as CaseState;
      for (const n of allowedTransitions(s)) {
        if (!reachable.has(n)) {
          reachable.add(n);
          queue.push(n);
        }
      }
    }
    expect([...reachable].sort()).toEqual([...CASE_STATES].sort());
    for (const s of CASE_STATES.filter((x) => !isClosed(x))) {
      expect(allowedTransitions(s).some(isClosed), s).toBe(true);
    }
  });

  it('never enters in_custody except from in_progress', () => {
    fc.assert(
      fc.property(anyState, (from) => {
        expect(canTransition(from, 'in_custody')).toBe(from === 'in_progress');
      }),
    );
  });
});
