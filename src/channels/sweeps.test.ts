import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, until } from '../../test/helpers.ts';
import { type Core, createCore } from '../core.ts';
import type { RoutingVault } from '../crypto/routing.ts';
import { createLogger } from '../log.ts';
import { startChannelSweeps } from './sweeps.ts';

/**
 * Recorded updates are handled when the process that deferred them gets the routing key, whatever its
 * role: a job runner and a web process on one database (WHITEFLAG_WEB_PROCESSES, or separate roles),
 * unlocked one after the other as the key goes from peer to peer.
 */
let ctx: TestContext;
let jobs: Core;
const NUMBER = '+79001230001';

beforeAll(async () => {
  ctx = await createTestContext(); // the web process: locked, no organisation yet
  jobs = await createCore({
    db: ctx.core.db,
    keyring: ctx.keyring,
    clock: ctx.clock,
    log: ctx.core.log,
    settings: ctx.core.settings,
  });
});
afterAll(async () => ctx?.close());

const smsSweeps = (core: Core, role: 'web' | 'worker') =>
  startChannelSweeps({
    role,
    routing: core.routing,
    log: core.log,
    sweeps: { sms: () => core.channelIntake.sweepMessages('sms') },
  });

describe('the sweep at unlock', () => {
  it('a web process handles what it deferred when the key reaches it after the job runner', async () => {
    const jobSweeps = smsSweeps(jobs, 'worker');
    jobSweeps.stop(); // its periodic sweep would pick the message up in 30 s: the delay this is about
    const webSweeps = smsSweeps(ctx.core, 'web');

    // The job runner has the key (here from the bootstrap that creates the organisation) and its
    // unlock sweep has run: nothing was waiting yet.
    await jobs.users.createUser(
      { email: 'sweeps-admin@example.org', role: 'admin', password: `pw-${randomBytes(9).toString('hex')}` },
      { type: 'cli', id: null },
    );
    expect(jobs.routing.isUnlocked()).toBe(true);
    await jobSweeps.idle();

    // The web process has not got the key yet: a message it receives now is recorded, sealed, deferred.
    expect(ctx.core.routing.isUnlocked()).toBe(false);
    const r = await ctx.core.channelIntake.ingest(
      {
        channel: 'sms',
        updateKey: 'SM00000000000000000000000000990001',
        identity: NUMBER,
        text: 'жду ответа',
      },
      { category: 'other', language: 'ru' },
    );
    expect(r).toBe('deferred');

    // The key reaches it from the job runner; its own unlock sweep handles the message at once.
    const asking = ctx.core.routingKeeper.askPeers(10_000);
    await until(async () => (await jobs.routingKeeper.servePeers()) > 0 || undefined);
    expect(await asking).toBe(true);
    await webSweeps.idle();
    expect(await ctx.core.channelIntake.openThreadOf('sms', NUMBER)).toBeTruthy();
    const rows = await ctx.core.db
      .selectFrom('inbound_updates')
      .select(['processed_at', 'payload_enc'])
      .where('channel', '=', 'sms')
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.processed_at).not.toBeNull();
    expect(rows[0]?.payload_enc).toBeNull();
    webSweeps.stop();
  });

  it('an unlock that comes while a sweep is running is not dropped: that sweep runs again after', async () => {
    const listeners: Array<() => void> = [];
    const routing: Pick<RoutingVault, 'onUnlock'> = { onUnlock: (fn) => void listeners.push(fn) };
    const release: Array<() => void> = [];
    let calls = 0;
    const sweeps = startChannelSweeps({
      role: 'web',
      routing,
      log: createLogger('silent'),
      sweeps: {
        sms: () => {
          calls++;
          return new Promise<void>((r) => release.push(r));
        },
      },
    });
    // A sweep that found the server locked is still on its way when the unlock asks for one.
    const first = sweeps.sweep();
    for (const fn of listeners) fn();
    expect(calls).toBe(1);
    release.shift()?.();
    await until(async () => release.length > 0);
    expect(calls).toBe(2);
    release.shift()?.();
    await first;
    await sweeps.idle();
    expect(calls).toBe(2);
  });
});
