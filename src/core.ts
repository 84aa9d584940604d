import { sql } from 'kysely';
import { createAuditLog } from './audit/audit.service.ts';
import { createSessionsService } from './auth/sessions.service.ts';
import { createUsersService } from './auth/users.service.ts';
import { createWebauthnService } from './auth/webauthn.service.ts';
import { createCannedService } from './canned/canned.service.ts';
import { createCasesService } from './cases/cases.service.ts';
import type { Channel } from './cases/categories.ts';
import { createTimersService } from './cases/timers.service.ts';
import type { ChannelAdapter } from './channels/channel.ts';
import { createFormTokens } from './channels/web/form-token.ts';
import type { Clock } from './clock.ts';
import type { Keyring } from './crypto/keyring.ts';
import { createSealer } from './crypto/sealed.ts';
import { createVault } from './crypto/vault.ts';
import type { Db } from './db/database.ts';
import { createChannelIntake } from './intake/channel-intake.service.ts';
import { createIntakeService } from './intake/intake.service.ts';
import { createOrgPublicKeyCache } from './intake/org-key.ts';
import { createKnowledgeService } from './knowledge/knowledge.service.ts';
import { createRateLimiter } from './lib/rate-limit.ts';
import type { Log } from './log.ts';
import { createOutbox } from './outbox/outbox.service.ts';
import { createBatchesService } from './pow/batches.service.ts';
import { createRegistryService } from './pow/registry.service.ts';
import { createProtocolService, loadDefaultProtocol } from './protocol/protocol.service.ts';
import { createNotifier, EVENTS_CHANNEL } from './realtime/events.ts';
import { recordMatchKeys, searchMatchKeys } from './relatives/matching.ts';
import { createRelativesService } from './relatives/relatives.service.ts';
import { createRetentionService } from './retention/retention.service.ts';
import { createRoutingService, withLanguageRouting } from './routing/routing.service.ts';
import { createSettingsService } from './settings/settings.service.ts';
import { createStatsService } from './stats/stats.service.ts';

export interface CoreSettings {
  session: { idleMs: number; maxMs: number };
  cases?: { retentionDays: number; silentDays: number };
  outbox?: { leaseMs: number };
}

/**
 * Wires the domain services from their side effects (db, keys, clock, log). Used by the server, the
 * CLI and the tests alike, so all three run the same code. No container: plain arguments.
 */
export async function createCore(deps: {
  db: Db;
  keyring: Keyring;
  clock: Clock;
  log: Log;
  settings: CoreSettings;
}) {
  const { db, clock, log } = deps;
  const sealer = createSealer();
  const vault = createVault(deps.keyring);
  const audit = createAuditLog({ db, clock });
  // Per user, for the current password on a password change: 5 tries, then one per minute.
  const passwordChangeThrottle = createRateLimiter({ capacity: 5, refillPerSecond: 1 / 60, clock });
  const users = createUsersService({ db, vault, sealer, audit, clock, passwordChangeThrottle });
  // Per account (blind index of the e-mail, whether or not it exists): 5 tries, then one per minute.
  const loginThrottle = createRateLimiter({ capacity: 5, refillPerSecond: 1 / 60, clock });
  const sessions = createSessionsService({
    db,
    vault,
    audit,
    clock,
    users,
    loginThrottle,
    session: deps.settings.session,
  });
  const notifier = createNotifier(
    (payload) => sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${payload})`.execute(db),
    (e) => log.warn({ err: String(e) }, 'live event not sent'),
  );
  // Outbound channels register their adapters here (Telegram, WhatsApp, SMS); the outbox delivers.
  const adapters = new Map<Channel, ChannelAdapter>();
  const outbox = createOutbox({
    db,
    vault,
    audit,
    clock,
    log,
    adapters,
    leaseMs: deps.settings.outbox?.leaseMs,
  });
  const cases = createCasesService({
    db,
    sealer,
    audit,
    clock,
    deliver: async (trx, thread, messageId, body) => {
      if (!thread.identity_enc) return;
      await outbox.enqueue(trx, {
        threadId: thread.id,
        messageId,
        channel: thread.channel as Channel,
        message: { to: vault.decrypt(thread.identity_enc, 'request_threads.identity'), text: body },
      });
    },
    deliveryOf: (ids) => outbox.deliveryOf(ids),
  });
  const protocol = createProtocolService({ db, vault, sealer, audit, clock, cases });
  // The shipped protocol becomes a published version on first start (and when a newer one ships).
  await protocol.seed(await loadDefaultProtocol());
  await protocol.current();
  const routing = createRoutingService({ db, audit, clock, idleMs: deps.settings.session.idleMs });
  const intakeService = createIntakeService({
    db,
    vault,
    sealer,
    audit,
    clock,
    orgPublicKey: createOrgPublicKeyCache(db),
    notifier,
    protocolVersion: () => protocol.currentVersion(),
  });
  const intake = withLanguageRouting(intakeService, routing, log);
  const formTokens = createFormTokens(vault, clock);
  const channelIntake = createChannelIntake({ db, vault, audit, clock, intake });
  const canned = createCannedService({ db, audit, clock });
  const runtimeSettings = createSettingsService({ db, audit, clock });
  const stats = createStatsService({ db, audit, clock, vault });
  const knowledge = createKnowledgeService({ db, audit, clock });
  await knowledge.seedFromFiles();
  const caseSettings = deps.settings.cases ?? { retentionDays: 90, silentDays: 14 };
  const timers = createTimersService({ db, audit, clock, vault, silentDays: caseSettings.silentDays });
  const retention = createRetentionService({ db, audit, clock, retentionDays: caseSettings.retentionDays });
  const webauthn = createWebauthnService({ db, audit, clock, users, sessions });
  const orgPublicKey = createOrgPublicKeyCache(db);
  const registry = createRegistryService({
    db,
    vault,
    sealer,
    audit,
    clock,
    orgPublicKey,
    matchKeys: recordMatchKeys,
    searchKeys: searchMatchKeys,
  });
  const batches = createBatchesService({
    db,
    vault,
    audit,
    clock,
    decryptIdentity: registry.decryptIdentity,
  });
  // The notification signing key exists from the first start, so that it can be published before the
  // first batch (receivers pin it).
  await batches.ensureSigningKey();
  const relatives = createRelativesService({ db, vault, audit, clock, registry, outbox });
  return {
    db,
    clock,
    log,
    sealer,
    vault,
    audit,
    users,
    sessions,
    webauthn,
    registry,
    batches,
    relatives,
    intake,
    cases,
    protocol,
    knowledge,
    runtimeSettings,
    routing,
    stats,
    timers,
    retention,
    outbox,
    adapters,
    channelIntake,
    canned,
    formTokens,
    notifier,
    settings: deps.settings,
  };
}

export type Core = Awaited<ReturnType<typeof createCore>>;
