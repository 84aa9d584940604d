import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { EVENTS_CHANNEL, eventPayload, type RequestEventType } from '../realtime/events.ts';
import type { AuditEntry } from './audit.service.ts';

/**
 * The one write path (docs/decisions/0020-write-helper.md): a transaction, its audit entries inside it,
 * its live events, and the audit chain moved on after commit. An audit entry therefore exists if and only
 * if the change it describes committed, and chaining is never forgotten or run for a write that rolled
 * back. Nothing else calls the chainer's `chainSoon`.
 */
export interface WriteScope {
  /** An audit entry in this transaction (the same as `audit.append(entry, trx)`). */
  audit(entry: AuditEntry): Promise<void>;
  /** The write's own SQL inserted audit rows (a statement that carries its audit entry in a CTE). */
  audited(): void;
  /** A live event: NOTIFY inside the transaction, so it is delivered on commit or never. */
  notify(type: RequestEventType, id: string | null | undefined): Promise<void>;
  /**
   * A live event for a hot path: handed to the coalescing notifier after commit (one NOTIFY per 50 ms
   * for all of them; a NOTIFY in every transaction would serialise commits on PostgreSQL's notify lock).
   */
  notifyAfterCommit(type: RequestEventType, id: string): void;
}

interface ScopeState {
  audited: boolean;
  later: Array<[RequestEventType, string]>;
}

/** What the write path needs from its owner, the audit log (`audit.service.ts`). */
export interface WritePathDeps {
  db: Db;
  insert(q: Db | Transaction<Database>, entry: AuditEntry): Promise<void>;
  chainSoon(): void;
  notifyLater?: ((type: RequestEventType, id: string) => void) | undefined;
}

export function createWritePath(deps: WritePathDeps) {
  const { db } = deps;
  const scopes = new WeakMap<Transaction<Database>, ScopeState>();

  function afterCommit(state: ScopeState): void {
    if (state.audited) deps.chainSoon();
    for (const [type, id] of state.later) {
      if (deps.notifyLater) deps.notifyLater(type, id);
      else
        void sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload(type, id)})`.execute(db).catch(() => {});
    }
  }

  function scopeOf(trx: Transaction<Database>, state: ScopeState): WriteScope {
    return {
      async audit(entry) {
        state.audited = true;
        await deps.insert(trx, entry);
      },
      audited() {
        state.audited = true;
      },
      async notify(type, id) {
        if (!id) return;
        await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload(type, id)})`.execute(trx);
      },
      notifyAfterCommit(type, id) {
        state.later.push([type, id]);
      },
    };
  }

  /**
   * Runs `fn` in a transaction. Audit entries go in with `scope.audit(…)` (or `audit.append(entry, trx)`
   * from a helper that only has the transaction); live events with `scope.notify(…)`. After commit the
   * chain is moved on (when something was audited) and the deferred events are handed over. A throw
   * anywhere rolls back the change, its audit entries and its events together.
   */
  async function write<T>(fn: (trx: Transaction<Database>, scope: WriteScope) => Promise<T>): Promise<T> {
    const state: ScopeState = { audited: false, later: [] };
    const out = await db.transaction().execute(async (trx) => {
      scopes.set(trx, state);
      try {
        return await fn(trx, scopeOf(trx, state));
      } finally {
        scopes.delete(trx);
      }
    });
    afterCommit(state);
    return out;
  }

  /**
   * One statement that carries its own audit entry (intake's insert: thread, message and audit row in
   * one CTE — atomic without BEGIN/COMMIT, one round trip). Chained and notified after it succeeds.
   */
  async function writeStatement<T>(
    fn: (db: Db, scope: Pick<WriteScope, 'notifyAfterCommit'>) => Promise<T>,
  ): Promise<T> {
    const state: ScopeState = { audited: true, later: [] };
    const out = await fn(db, {
      notifyAfterCommit(type, id) {
        state.later.push([type, id]);
      },
    });
    afterCommit(state);
    return out;
  }

  /** An entry inside a transaction opened by `write`; anywhere else it is a programming error. */
  async function append(entry: AuditEntry, trx: Transaction<Database>): Promise<void> {
    const state = scopes.get(trx);
    if (!state) throw new Error(`audit entry "${entry.action}" outside audit.write()`);
    state.audited = true;
    await deps.insert(trx, entry);
  }

  /** A standalone entry (a read, a refused login): its own transaction, chained after. */
  function record(entry: AuditEntry): Promise<void> {
    return write((_trx, w) => w.audit(entry));
  }

  return { write, writeStatement, append, record };
}
