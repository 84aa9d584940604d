import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.ts';
import {
  addDays,
  captureCardDue,
  cardReasonFor,
  correspondenceState,
  deadlineState,
  healthReportDue,
  notificationState,
  previousMonth,
  toDay,
} from './deadlines.ts';

describe('art. 70 capture card deadlines', () => {
  it('falls due one week after arrival, transfer or hospital admission', () => {
    expect(captureCardDue('2026-03-01')).toBe('2026-03-08');
    expect(captureCardDue('2026-02-25')).toBe('2026-03-04'); // across February
    expect(captureCardDue('2028-02-25')).toBe('2028-03-03'); // leap year
    expect(captureCardDue('2026-12-28')).toBe('2027-01-04');
    expect(cardReasonFor('arrival')).toBe('arrival');
    expect(cardReasonFor('transfer')).toBe('transfer');
    expect(cardReasonFor('hospital_admission')).toBe('hospital');
    expect(cardReasonFor('capture')).toBeNull();
    expect(cardReasonFor('hospital_discharge')).toBeNull();
  });

  it('moves from open to due soon to overdue as the injected clock advances, and stops when sent', () => {
    const clock = createManualClock(new Date('2026-03-01T09:00:00Z'));
    const due = captureCardDue('2026-03-01');
    const seen: string[] = [];
    for (let d = 0; d <= 9; d++) {
      seen.push(deadlineState(due, null, toDay(clock.now())));
      clock.advance(86_400_000);
    }
    expect(seen).toEqual([
      'open',
      'open',
      'open',
      'open',
      'open',
      'due_soon', // 6 March: 2 days left
      'due_soon',
      'due_soon', // the due day itself
      'overdue',
      'overdue',
    ]);
    expect(deadlineState(due, '2026-03-20', '2026-03-25')).toBe('done');
  });
});

describe('art. 122 weekly health reports', () => {
  it('counts from the last report, or from becoming seriously ill', () => {
    expect(healthReportDue(null, '2026-05-01')).toBe('2026-05-08');
    expect(healthReportDue('2026-05-10', '2026-05-01')).toBe('2026-05-17');
    // a report from before the prisoner became seriously ill does not count
    expect(healthReportDue('2026-04-20', '2026-05-01')).toBe('2026-05-08');
    expect(deadlineState(healthReportDue(null, '2026-05-01'), null, '2026-05-09')).toBe('overdue');
  });
});

describe('notifications', () => {
  it('a change not delivered within seven days is overdue', () => {
    const changed = new Date('2026-06-01T12:00:00Z');
    expect(notificationState(changed, new Date('2026-06-08T12:00:00Z'))).toBe('pending');
    expect(notificationState(changed, new Date('2026-06-08T12:00:01Z'))).toBe('overdue');
  });
});

describe('art. 71 correspondence minimum', () => {
  it('is met with two letters and four cards a month', () => {
    expect(correspondenceState({ month: '2026-04', letters: 2, cards: 4 }, '2026-05-03')).toBe('met');
    expect(correspondenceState({ month: '2026-04', letters: 2, cards: 3 }, '2026-05-03')).toBe(
      'below_minimum',
    );
    expect(correspondenceState({ month: '2026-05', letters: 0, cards: 0 }, '2026-05-03')).toBe('on_track');
    expect(correspondenceState({ month: '2026-05', letters: 1, cards: 4 }, '2026-05-22')).toBe('behind');
    expect(correspondenceState({ month: '2026-02', letters: 1, cards: 4 }, '2026-02-19')).toBe('behind'); // 28-day month: 9 days left
    expect(previousMonth('2026-01')).toBe('2025-12');
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
  });
});
