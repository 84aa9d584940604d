import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Log } from '../log.ts';
import { type RoutingVault, routingSecretsFromSeed, routingSeedOf } from './routing.ts';
import type { Sealer } from './sealed.ts';
import type { Vault } from './vault.ts';

/**
 * Gets the routing key into this process's memory and keeps it there (crypto/routing.ts):
 * - from an organisation key that a granted operator's login or session opens (`unlockWithOrgKey`);
 * - from another running instance: a locked process (a worker that serves no logins, a web instance
 *   just restarted) posts a one-off X25519 public key, MAC'd under the index key so that someone who
 *   can only write to the database cannot ask; an unlocked instance seals the routing seed to it. The
 *   database holds only a box for a key that lives in the asking process's memory and dies with it;
 *   the row is deleted as soon as it is read.
 */
export function createRoutingKeeper(deps: {
  db: Db;
  vault: Vault;
  routing: RoutingVault;
  sealer: Sealer;
  audit: AuditLog;
  clock: Clock;
  log: Log;
}) {
  const { db, vault, routing, sealer, audit, clock, log } = deps;
  let publicKey: Buffer | null = null;

  /**
   * The routing public key (sealing needs no secret), read at start-up and whenever it is still
   * unknown. Null before the organisation exists, and on an old install until its first unlock.
   */
  async function routingPublicKey(): Promise<Buffer | null> {
    if (publicKey) return publicKey;
    const row = await db.selectFrom('org_keys').select('routing_public_key').executeTakeFirst();
    publicKey = row?.routing_public_key ?? null;
    if (publicKey) routing.setPublicKey(publicKey);
    return publicKey;
  }

  async function unlockWithOrgKey(
    orgSecretKey: Uint8Array,
    how: 'login' | 'bootstrap' | 'recovery',
  ): Promise<boolean> {
    if (routing.isUnlocked()) return false;
    const org = await db
      .selectFrom('org_keys')
      .select(['id', 'public_key', 'routing_public_key'])
      .executeTakeFirst();
    if (!org || !Buffer.from(sealer.publicKeyOf(orgSecretKey)).equals(org.public_key))
      throw new AppError('forbidden', 'This is not the organisation key');
    const seed = routingSeedOf(orgSecretKey);
    const secrets = routingSecretsFromSeed(seed);
    seed.fill(0);
    if (!org.routing_public_key) {
      await db
        .updateTable('org_keys')
        .set({ routing_public_key: secrets.boxPublicKey })
        .where('id', '=', org.id)
        .where('routing_public_key', 'is', null)
        .execute();
    }
    publicKey = secrets.boxPublicKey;
    return install(secrets, how);
  }

  async function install(
    secrets: ReturnType<typeof routingSecretsFromSeed>,
    how: 'login' | 'bootstrap' | 'recovery' | 'peer',
  ): Promise<boolean> {
    const lockedSince = routing.lockedSince();
    if (!routing.unlock(secrets, how)) return false;
    log.info({ how }, 'routing key unlocked');
    await audit
      .record({
        actorType: 'system',
        action: 'routing.unlocked',
        subjectType: 'system',
        subjectId: null,
        details: { how, lockedSince: lockedSince?.toISOString() ?? null },
      })
      .catch((e: unknown) => log.warn({ err: String(e) }, 'routing unlock not audited'));
    return true;
  }

  const requestMac = (id: string, pk: Buffer) =>
    vault.blindIndex('routing-request', `${id}|${pk.toString('base64')}`);

  /**
   * A locked process asks its peers. Resolves true once a peer has handed the key over; false at the
   * timeout or when `stop` is aborted (a shutdown must not wait for a peer that never comes).
   */
  async function askPeers(timeoutMs = 0, stop?: AbortSignal): Promise<boolean> {
    if (routing.isUnlocked()) return true;
    const one = sealer.generateKeyPair();
    const pk = Buffer.from(one.publicKey);
    const id = randomUUID();
    await db
      .insertInto('routing_key_requests')
      .values({ id, public_key: pk, mac: requestMac(id, pk), sealed_seed: null, created_at: clock.now() })
      .execute();
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const row = await db
          .selectFrom('routing_key_requests')
          .select('sealed_seed')
          .where('id', '=', id)
          .executeTakeFirst();
        if (row?.sealed_seed) {
          const seed = sealer.open(one, row.sealed_seed);
          const secrets = routingSecretsFromSeed(seed);
          seed.fill(0);
          const expected = await routingPublicKey();
          if (expected && !secrets.boxPublicKey.equals(expected))
            throw new Error('peer sent a wrong routing key');
          await install(secrets, 'peer');
          return true;
        }
        if (routing.isUnlocked()) return true;
        if (Date.now() >= deadline || stop?.aborted) return false;
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await db
        .deleteFrom('routing_key_requests')
        .where('id', '=', id)
        .execute()
        .catch(() => undefined);
      Buffer.from(one.secretKey).fill(0);
    }
  }

  /** An unlocked process answers its locked peers' requests. */
  async function servePeers(): Promise<number> {
    if (!routing.isUnlocked()) return 0;
    const rows = await db
      .selectFrom('routing_key_requests')
      .select(['id', 'public_key', 'mac', 'created_at'])
      .where('sealed_seed', 'is', null)
      .execute();
    let served = 0;
    for (const r of rows) {
      const want = requestMac(r.id, r.public_key);
      const fresh = clock.now().getTime() - new Date(r.created_at).getTime() < 10 * 60_000;
      if (!fresh || want.length !== r.mac.length || !timingSafeEqual(want, r.mac)) {
        // Forged (no index key) or stale: never answered.
        await db.deleteFrom('routing_key_requests').where('id', '=', r.id).execute();
        continue;
      }
      await db
        .updateTable('routing_key_requests')
        .set({ sealed_seed: sealer.seal(r.public_key, routing.seed()) })
        .where('id', '=', r.id)
        .where('sealed_seed', 'is', null)
        .execute();
      served++;
    }
    return served;
  }

  /**
   * The background loop of every server process: while locked, keep a request open for peers; while
   * unlocked, answer peers. A one-line check every two seconds.
   */
  function start(): { stop(): Promise<void> } {
    let stopped = false;
    const stopping = new AbortController();
    let asking: Promise<boolean> | null = null;
    const tick = async () => {
      try {
        // Bootstrapped by the CLI after this server started: learn the public key to seal while locked.
        if (!publicKey) await routingPublicKey();
        if (routing.isUnlocked()) await servePeers();
        else if (!asking)
          asking = askPeers(60_000, stopping.signal).finally(() => {
            asking = null;
          });
      } catch (e) {
        log.warn({ err: String(e) }, 'routing key exchange failed');
      }
    };
    const timer = setInterval(() => {
      if (!stopped) void tick();
    }, 2000);
    timer.unref();
    void tick();
    return {
      async stop() {
        stopped = true;
        stopping.abort();
        clearInterval(timer);
        await asking?.catch(() => undefined);
      },
    };
  }

  function status() {
    return {
      unlocked: routing.isUnlocked(),
      lockedSince: routing.lockedSince()?.toISOString() ?? null,
      unlockedAt: routing.unlockedAt()?.toISOString() ?? null,
    };
  }

  return { routingPublicKey, unlockWithOrgKey, askPeers, servePeers, start, status };
}

export type RoutingKeeper = ReturnType<typeof createRoutingKeeper>;
