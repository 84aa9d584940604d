import { createAuditLog } from './audit/audit.service.ts';
import { createSessionsService } from './auth/sessions.service.ts';
import { createUsersService } from './auth/users.service.ts';
import { createWebauthnService } from './auth/webauthn.service.ts';
import { createCannedService } from './canned/canned.service.ts';
import { createCasesService } from './cases/cases.service.ts';
import { createFormTokens } from './channels/web/form-token.ts';
import type { Clock } from './clock.ts';
import type { Keyring } from './crypto/keyring.ts';
import { createSealer } from './crypto/sealed.ts';
import { loadSodium } from './crypto/sodium.ts';
import { createVault } from './crypto/vault.ts';
import type { Db } from './db/database.ts';
import { createIntakeService } from './intake/intake.service.ts';
import { createOrgPublicKeyCache } from './intake/org-key.ts';
import { createRateLimiter } from './lib/rate-limit.ts';
import type { Log } from './log.ts';

export interface CoreSettings {
  session: { idleMs: number; maxMs: number };
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
  const sodium = await loadSodium();
  const sealer = createSealer(sodium);
  const vault = createVault(deps.keyring);
  const audit = createAuditLog({ db, clock });
  const users = createUsersService({ db, vault, sealer, audit, clock });
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
  const intake = createIntakeService({
    db,
    vault,
    sealer,
    audit,
    clock,
    orgPublicKey: createOrgPublicKeyCache(db),
  });
  const cases = createCasesService({ db, sealer, audit, clock });
  const formTokens = createFormTokens(vault, clock);
  const canned = createCannedService({ db, audit, clock });
  const webauthn = createWebauthnService({ db, audit, clock, users, sessions });
  return {
    db,
    clock,
    log,
    sodium,
    sealer,
    vault,
    audit,
    users,
    sessions,
    webauthn,
    intake,
    cases,
    canned,
    formTokens,
    settings: deps.settings,
  };
}

export type Core = Awaited<ReturnType<typeof createCore>>;
