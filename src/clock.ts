/** Time comes from here so that timers, sessions and deadlines can be tested. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock the tests move by hand. */
export function createManualClock(start = new Date('2026-01-01T00:00:00Z')): Clock & {
  advance(ms: number): void;
  set(d: Date): void;
} {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
    set: (d) => {
      t = d.getTime();
    },
  };
}
