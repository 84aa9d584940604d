import type { Config } from '../config.ts';
import type { RoutingVault } from '../crypto/routing.ts';
import type { Log } from '../log.ts';

/** The job runner's sweep: what a crash, a budget or a dead handler's lease left behind. */
const PERIOD_MS = 30_000;

export interface ChannelSweeps {
  /** Sweeps every channel once; asked for while a sweep runs, that sweep runs once more after. */
  sweep(): Promise<void>;
  /** Resolves once no sweep is running. */
  idle(): Promise<void>;
  stop(): void;
}

/**
 * Handles the provider updates that were recorded but not handled (channel-intake `accept`): at once
 * when this process is unlocked, and every 30 s where the jobs run.
 *
 * The unlock sweep runs in every process, web processes too. A process defers an update only while
 * it is locked itself, and only after recording it, so the sweep at its own unlock always finds it.
 * The job runner's unlock sweep alone would not: web processes learn the key from a peer moments
 * after the job runner (a restarted one, long after), and what one of them deferred meanwhile waited
 * for the periodic sweep. Sweeps of several processes meet on the same updates; the claim
 * (channel-intake `claim`) lets each update run once.
 */
export function startChannelSweeps(deps: {
  role: Config['role'];
  routing: Pick<RoutingVault, 'onUnlock'>;
  /** Each configured channel's sweep, by channel name. */
  sweeps: Record<string, () => Promise<unknown>>;
  log: Log;
}): ChannelSweeps {
  let running: Promise<void> | null = null;
  let again = false;

  async function sweepOnce(): Promise<void> {
    for (const [channel, sweep] of Object.entries(deps.sweeps)) {
      await sweep().catch((e: unknown) =>
        deps.log.error({ channel, err: e instanceof Error ? e.message : String(e) }, 'channel sweep failed'),
      );
    }
  }

  // One at a time; a sweep asked for meanwhile (the unlock, while a periodic one that found the
  // server locked is still on its way) must not be dropped: it runs again after.
  function sweep(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await sweepOnce();
        } while (again);
      } finally {
        // In the same step as the last look at `again`: no request can fall in between.
        running = null;
      }
    })();
    return running;
  }

  deps.routing.onUnlock(() => void sweep());
  const timer = deps.role === 'web' ? null : setInterval(() => void sweep(), PERIOD_MS);
  timer?.unref();
  return {
    sweep,
    idle: () => running ?? Promise.resolve(),
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
