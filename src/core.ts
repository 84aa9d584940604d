import { sql } from 'kysely';
import { createAssignmentService, withLanguageRouting } from './assignment/assignment.service.ts';
import { createAuditLog } from './audit/audit.service.ts';
import { createDbThrottle } from './auth/login-throttle.ts';
import { createSessionsService } from './auth/sessions.service.ts';
import { createUsersService } from './auth/users.service.ts';
import { createWebauthnService } from './auth/webauthn.service.ts';
import { createCannedService } from './canned/canned.service.ts';
import { createCasesService } from './cases/cases.service.ts';
import type { Channel } from './cases/categories.ts';
import { createPreviewsService } from './cases/previews.service.ts';
import { createTimersService } from './cases/timers.service.ts';
import type { Clock } from './clock.ts';
import type { Keyring } from './crypto/keyring.ts';
import { retierLegacyValues } from './crypto/retier.ts';
import { createRoutingVault } from './crypto/routing.ts';
import { createRoutingKeeper } from './crypto/routing-keeper.ts';
import { createSealer } from './crypto/sealed.ts';
import { createVault } from './crypto/vault.ts';
import type { Db } from './db/database.ts';
import { AppError } from './errors.ts';
import { createFormTokens } from './http/form-token.ts';
import {
  createChannelIntake,
  decryptChannelIdentity,
  identityIndex,
  providerUpdateKey,
} from './intake/channel-intake.service.ts';
import { createFloodService } from './intake/flood.service.ts';
import { createIntakeService } from './intake/intake.service.ts';
import { createOrgPublicKeyCache } from './intake/org-key.ts';
import { createKnowledgeService } from './knowledge/knowledge.service.ts';
import type { Log } from './log.ts';
import type { ChannelAdapter } from './outbox/channel-adapter.ts';
import { createOutbox } from './outbox/outbox.service.ts';
import { createBatchesService } from './pow/batches.service.ts';
import { createRegistryService } from './pow/registry.service.ts';
import { createProtocolService, loadDefaultProtocol } from './protocol/protocol.service.ts';
import { createNotifier, EVENTS_CHANNEL } from './realtime/events.ts';
import { recordMatchKeys, searchMatchKeys } from './relatives/matching.ts';
import { createRelativesService } from './relatives/relatives.service.ts';
import { createRetentionService } from './retention/retention.service.ts';
import { createOrganisationService } from './settings/organisation.ts';
import { createSettingsService } from './settings/settings.service.ts';
import { createStatsService } from './stats/stats.service.ts';
import { createVoiceService } from './voice/voice.service.ts';

export interface CoreSettings {
  session: { idleMs: number; maxMs: number };
  cases?: { retentionDays: number; silentDays: number };
  outbox?: { leaseMs: number };
  /** Signed audit checkpoints are appended here (outside the database); unset: none are written. */
  audit?: { checkpointFile: string | undefined };
  /** Untouched sunk requests are purged after this many hours (issue #13; default 6). */
  sinkPurgeHours?: number;
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
  const notifier = createNotifier(
    (payload) => sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${payload})`.execute(db),
    (e) => log.warn({ err: String(e) }, 'live event not sent'),
  );
  // The audit log owns the one write path (audit/write.ts): transaction, audit entry, live events, chain.
  const audit = createAuditLog({
    db,
    clock,
    auditKey: deps.keyring.auditKey,
    checkpointFile: deps.settings.audit?.checkpointFile,
    notifyLater: notifier.later,
  });
  // The routing tier: its key is only ever in this process's memory (crypto/routing.ts).
  const routing = createRoutingVault({
    now: () => clock.now(),
    legacy: vault,
    loadPublicKey: async () =>
      (await db.selectFrom('org_keys').select('routing_public_key').executeTakeFirst())?.routing_public_key ??
      null,
  });
  const routingKeeper = createRoutingKeeper({ db, vault, routing, sealer, audit, clock, log });
  await routingKeeper.routingPublicKey();
  // Per user, for the current password on a password change: 5 tries, then one per minute.
  // Throttles live in PostgreSQL: shared by every instance and kept across restarts.
  const passwordChangeThrottle = createDbThrottle({
    db,
    clock,
    scope: 'password-change',
    capacity: 5,
    refillPerSecond: 1 / 60,
  });
  const users = createUsersService({
    db,
    vault,
    sealer,
    audit,
    clock,
    passwordChangeThrottle,
    routing: routingKeeper,
  });
  // Per account (blind index of the e-mail, whether or not it exists): 5 tries, then one per minute.
  const loginThrottle = createDbThrottle({ db, clock, scope: 'login', capacity: 5, refillPerSecond: 1 / 60 });
  const sessions = createSessionsService({
    db,
    vault,
    audit,
    clock,
    users,
    routing: routingKeeper,
    loginThrottle,
    session: deps.settings.session,
  });
  // Outbound channels register their adapters here (Telegram, WhatsApp, SMS); the outbox delivers.
  const adapters = new Map<Channel, ChannelAdapter>();
  const outbox = createOutbox({
    db,
    routing,
    audit,
    clock,
    log,
    adapters,
    leaseMs: deps.settings.outbox?.leaseMs,
  });
  const cases = createCasesService({
    db,
    routing,
    sealer,
    audit,
    clock,
    deliver: async (trx, thread, messageId, body) => {
      if (!thread.identity_enc) return;
      // A caller's phone may be checked by a commander: no SMS unless an operator asked and enabled it.
      if (thread.channel === 'voice') {
        const t = await trx
          .selectFrom('request_threads')
          .select('sms_allowed')
          .where('id', '=', thread.id)
          .executeTakeFirst();
        if (!t?.sms_allowed)
          throw new AppError('sms_not_allowed', 'Replies to this caller by SMS are off for this case');
      }
      await outbox.enqueue(trx, {
        threadId: thread.id,
        messageId,
        channel: thread.channel as Channel,
        message: { to: decryptChannelIdentity(routing, thread.identity_enc), text: body },
      });
    },
    deliveryOf: (ids) => outbox.deliveryOf(ids),
  });
  const protocol = createProtocolService({ db, routing, sealer, audit, clock, cases });
  // The shipped protocol becomes a published version on first start (and when a newer one ships).
  await protocol.seed(await loadDefaultProtocol());
  await protocol.current();
  const assignment = createAssignmentService({ db, audit, clock, idleMs: deps.settings.session.idleMs });
  const intakeService = createIntakeService({
    db,
    vault,
    sealer,
    audit,
    clock,
    orgPublicKey: createOrgPublicKeyCache(db),
    protocolVersion: () => protocol.currentVersion(),
  });
  const intake = withLanguageRouting(intakeService, assignment, log);
  const formTokens = createFormTokens(vault, clock);
  const flood = createFloodService({ db, audit, clock, purgeAfterHours: deps.settings.sinkPurgeHours ?? 6 });
  const channelIntake = createChannelIntake({
    db,
    vault,
    routing,
    audit,
    clock,
    intake,
  });
  // Values from before the routing tier move to it at the first unlock; then pending updates can run.
  routing.onUnlock(() => {
    void retierLegacyValues({
      db,
      vault,
      routing,
      identityIndexOf: (channel, identity) => identityIndex(routing, channel, identity),
      updateKeyOf: (channel, key) => providerUpdateKey(vault, channel, key),
    })
      .then((n) => n > 0 && log.info({ moved: n }, 'legacy values moved to the routing tier'))
      .catch((e: unknown) =>
        log.error({ err: String(e) }, 'moving legacy values to the routing tier failed'),
      );
  });
  const canned = createCannedService({ db, audit, clock });
  const previews = createPreviewsService({ db, sealer, audit });
  await canned.seedDefaults();
  const runtimeSettings = createSettingsService({
    db,
    audit,
    clock,
    silentDays: deps.settings.cases?.silentDays ?? 14,
  });
  const organisation = createOrganisationService({ db, audit, clock });
  const stats = createStatsService({ db, audit, clock, vault });
  const knowledge = createKnowledgeService({ db, audit, clock });
  await knowledge.seedFromFiles();
  const caseSettings = deps.settings.cases ?? { retentionDays: 90, silentDays: 14 };
  const timers = createTimersService({
    db,
    audit,
    clock,
    routing,
    silentDays: caseSettings.silentDays,
    timeouts: () => runtimeSettings.caseTimers(),
  });
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
  const relatives = createRelativesService({ db, vault, routing, audit, clock, registry, outbox });
  // The phone line; its provider (Twilio) registers itself when configured.
  const voice = createVoiceService({ db, vault, routing, audit, clock, log });
  return {
    db,
    clock,
    log,
    sealer,
    vault,
    routing,
    assignment,
    routingKeeper,
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
    organisation,
    stats,
    timers,
    retention,
    outbox,
    adapters,
    channelIntake,
    canned,
    previews,
    voice,
    formTokens,
    flood,
    notifier,
    settings: deps.settings,
  };
}

export type Core = Awaited<ReturnType<typeof createCore>>;
