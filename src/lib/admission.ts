import { performance } from 'node:perf_hooks';

/**
 * Admission by capacity (issue #13, decision 0010): how many new requests may be stored at once is
 * learnt from the database's own latency, not fixed. A fixed budget is what a script exhausts first;
 * a limit on work in flight admits every request the database can store while it keeps up, and under
 * overload makes the excess wait a little, then turns it away quickly, instead of letting every
 * request slow down until all of them time out.
 *
 * The limit follows the gradient of latency (as Netflix's concurrency-limits "Gradient2"): a short
 * moving average of insert latency against a long one. While the short one stays within `tolerance`
 * of the long one, the limit grows by about √limit per adjustment; when the database slows down (locks,
 * I/O, CPU), it shrinks in proportion. Waiting requests queue in two lanes: those with a valid
 * proof of work first, then the others; a request that waited `queueTimeoutMs` for a slot is refused
 * (the form comes back with its text, "busy, send again"). Per process; with several web processes
 * each learns its own share of the database.
 */
export interface AdmissionOptions {
  initialLimit?: number;
  minLimit?: number;
  maxLimit?: number;
  /** How long a request may wait for a slot before it is refused. */
  queueTimeoutMs?: number;
  /** Waiting requests beyond this many are refused at once (memory bound). */
  maxQueue?: number;
  /** The short latency average may exceed the long one by this factor before the limit shrinks. */
  tolerance?: number;
  now?: () => number;
}

export type Lane = 'proof' | 'plain';

export interface AdmissionTicket {
  /** Call exactly once when the admitted work finished (successfully or not). */
  release(): void;
  /** How long the request waited for its slot, ms. */
  waitedMs: number;
}

export interface AdmissionStats {
  limit: number;
  inFlight: number;
  queued: { proof: number; plain: number };
  admitted: { proof: number; plain: number };
  refused: { proof: number; plain: number };
  /** Moving averages of the admitted work's duration, ms. */
  latencyShortMs: number;
  latencyLongMs: number;
}

interface Waiter {
  lane: Lane;
  enqueuedAt: number;
  resolve(t: AdmissionTicket | null): void;
  timer: NodeJS.Timeout;
}

export function createAdmission(opts: AdmissionOptions = {}) {
  const now = opts.now ?? (() => performance.now());
  const minLimit = opts.minLimit ?? 2;
  const maxLimit = opts.maxLimit ?? 200;
  const queueTimeoutMs = opts.queueTimeoutMs ?? 4000;
  const maxQueue = opts.maxQueue ?? 5000;
  const tolerance = opts.tolerance ?? 1.5;
  let limit = Math.min(maxLimit, Math.max(minLimit, opts.initialLimit ?? 10));
  let inFlight = 0;
  let shortRtt = 0;
  let longRtt = 0;
  let samples = 0;
  const lanes: Record<Lane, Waiter[]> = { proof: [], plain: [] };
  const admitted = { proof: 0, plain: 0 };
  const refused = { proof: 0, plain: 0 };

  function sample(rtt: number): void {
    samples++;
    if (samples === 1) {
      shortRtt = rtt;
      longRtt = rtt;
      return;
    }
    shortRtt += (rtt - shortRtt) * 0.2;
    longRtt += (rtt - longRtt) / Math.min(samples, 1000);
    // After a lasting shift (a bigger machine, a cold start) the baseline follows, as Gradient2 does.
    if (longRtt / shortRtt > 2) longRtt *= 0.95;
    // Adjust about once per limit's worth of completions, on fresh information only.
    if (samples % Math.max(1, Math.ceil(limit / 4)) !== 0) return;
    const gradient = Math.max(0.5, Math.min(1, (tolerance * longRtt) / Math.max(shortRtt, 0.001)));
    const target = limit * gradient + Math.sqrt(limit);
    // Grow only when the limit is being used; an idle server learns nothing about its capacity.
    const next = inFlight + 1 >= limit * 0.5 || target < limit ? limit * 0.8 + target * 0.2 : limit;
    limit = Math.min(maxLimit, Math.max(minLimit, next));
  }

  function ticket(lane: Lane, waitedMs: number): AdmissionTicket {
    inFlight++;
    admitted[lane]++;
    const started = now();
    let released = false;
    return {
      waitedMs,
      release() {
        if (released) return;
        released = true;
        inFlight--;
        sample(now() - started);
        drain();
      },
    };
  }

  function drain(): void {
    while (inFlight < Math.floor(limit)) {
      const w = lanes.proof.shift() ?? lanes.plain.shift();
      if (!w) return;
      clearTimeout(w.timer);
      w.resolve(ticket(w.lane, now() - w.enqueuedAt));
    }
  }

  return {
    /** A slot for one insert, or null when the request is refused (waited too long, queue full). */
    admit(lane: Lane): Promise<AdmissionTicket | null> {
      if (
        inFlight < Math.floor(limit) &&
        lanes.proof.length === 0 &&
        (lane === 'proof' || lanes.plain.length === 0)
      )
        return Promise.resolve(ticket(lane, 0));
      if (lanes.proof.length + lanes.plain.length >= maxQueue) {
        // Full: a proof displaces the newest plain waiter rather than being refused itself.
        const displaced = lane === 'proof' ? lanes.plain.pop() : undefined;
        if (!displaced) {
          refused[lane]++;
          return Promise.resolve(null);
        }
        clearTimeout(displaced.timer);
        refused.plain++;
        displaced.resolve(null);
      }
      return new Promise((resolve) => {
        const w: Waiter = {
          lane,
          enqueuedAt: now(),
          resolve,
          timer: setTimeout(() => {
            const q = lanes[lane];
            const i = q.indexOf(w);
            if (i >= 0) q.splice(i, 1);
            refused[lane]++;
            resolve(null);
          }, queueTimeoutMs),
        };
        w.timer.unref();
        lanes[lane].push(w);
      });
    },
    /** Seconds a refused client should wait before sending again (Retry-After). */
    retryAfterSeconds(): number {
      return Math.max(
        1,
        Math.min(
          30,
          Math.ceil((shortRtt * (lanes.proof.length + lanes.plain.length + 1)) / Math.max(1, limit) / 1000),
        ),
      );
    },
    stats(): AdmissionStats {
      return {
        limit: Math.floor(limit),
        inFlight,
        queued: { proof: lanes.proof.length, plain: lanes.plain.length },
        admitted: { ...admitted },
        refused: { ...refused },
        latencyShortMs: shortRtt,
        latencyLongMs: longRtt,
      };
    },
  };
}

export type Admission = ReturnType<typeof createAdmission>;
