import { describe, expect, it } from 'vitest';
import { createAdmission } from './admission.ts';

/** A fake clock for latency: the work "takes" whatever the test says before it releases. */
function clock() {
  let t = 0;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('admission', () => {
  it('raises the limit while latency holds, and cuts it when the database slows down', async () => {
    const c = clock();
    const a = createAdmission({ initialLimit: 4, maxLimit: 100, now: c.now });
    // Saturated and steady at 5 ms: the limit grows.
    for (let round = 0; round < 40; round++) {
      const tickets = await Promise.all(Array.from({ length: a.stats().limit }, () => a.admit('plain')));
      c.advance(5);
      for (const t of tickets) t?.release();
    }
    const grown = a.stats().limit;
    expect(grown).toBeGreaterThan(20);
    // Latency ten times worse: the limit falls.
    for (let round = 0; round < 20; round++) {
      const tickets = await Promise.all(Array.from({ length: a.stats().limit }, () => a.admit('plain')));
      c.advance(50);
      for (const t of tickets) t?.release();
    }
    expect(a.stats().limit).toBeLessThan(grown / 2);
  });

  it('serves proven requests first and refuses waiters after the deadline', async () => {
    const a = createAdmission({ initialLimit: 1, minLimit: 1, maxLimit: 1, queueTimeoutMs: 100 });
    const first = await a.admit('plain');
    const order: string[] = [];
    const plain = a.admit('plain').then((t) => {
      order.push('plain');
      return t;
    });
    const proof = a.admit('proof').then((t) => {
      order.push('proof');
      return t;
    });
    first?.release();
    (await proof)?.release();
    (await plain)?.release();
    expect(order).toEqual(['proof', 'plain']);

    const holder = await a.admit('plain');
    const late = await a.admit('plain');
    expect(late).toBeNull(); // waited 100 ms without a slot
    expect(a.stats().refused.plain).toBe(1);
    holder?.release();
    expect(await a.admit('plain')).not.toBeNull();
  });

  it('bounds the queue, a proof displacing the newest plain waiter', async () => {
    const a = createAdmission({
      initialLimit: 1,
      minLimit: 1,
      maxLimit: 1,
      maxQueue: 2,
      queueTimeoutMs: 10_000,
    });
    const holder = await a.admit('plain');
    const w1 = a.admit('plain');
    const w2 = a.admit('plain');
    expect(await a.admit('plain')).toBeNull();
    const p = a.admit('proof');
    expect(await w2).toBeNull();
    holder?.release();
    (await p)?.release();
    (await w1)?.release();
    expect(a.stats()).toMatchObject({ inFlight: 0, refused: { plain: 2, proof: 0 } });
  });
});
