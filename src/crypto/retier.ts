import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { ROUTING_TIER_COLUMNS } from './encrypted-columns.ts';
import type { RoutingVault } from './routing.ts';
import type { Vault } from './vault.ts';

/**
 * Moves values written before the routing tier existed (under the master key of the key file) to the
 * routing tier, the first time a server is unlocked after the upgrade: identities, their look-up
 * indexes (recomputed under the routing index key, and the spam flags that point at them), answers,
 * reminders, outbox rows, pending provider updates and their ids. Compare-and-set in small batches, so
 * several instances may run it at once. Old WAL segments and backups still hold the master-key
 * ciphertexts: rotate the master key afterwards (`keys rotate`) and let old backups expire.
 */
export async function retierLegacyValues(deps: {
  db: Db;
  vault: Vault;
  routing: RoutingVault;
  identityIndexOf: (channel: string, identity: string) => Buffer;
  updateKeyOf: (channel: string, updateKey: string) => string;
}): Promise<number> {
  const { db, vault, routing } = deps;
  if (!routing.isUnlocked()) return 0;
  let moved = 0;

  // Channel identities first: their index changes, and spam flags follow it.
  for (;;) {
    const rows = await db
      .selectFrom('request_threads')
      .select(['id', 'channel', 'identity_enc', 'identity_index'])
      .where('identity_enc', 'like', 'wf1.%')
      .limit(200)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const identity = vault.decrypt(r.identity_enc as string, 'request_threads.identity');
      const index = deps.identityIndexOf(r.channel, identity);
      await db
        .updateTable('request_threads')
        .set({ identity_enc: routing.encrypt(identity, 'request_threads.identity'), identity_index: index })
        .where('id', '=', r.id)
        .where('identity_enc', '=', r.identity_enc)
        .execute();
      if (r.identity_index) {
        await db
          .updateTable('flagged_identities')
          .set({ identity_index: index })
          .where('identity_index', '=', r.identity_index)
          .execute()
          .catch(() => undefined);
      }
      moved++;
    }
  }

  for (;;) {
    const rows = await db
      .selectFrom('relative_inquiries')
      .select(['id', 'identity_enc'])
      .where('identity_enc', 'like', 'wf1.%')
      .limit(200)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const identity = vault.decrypt(r.identity_enc as string, 'relative_inquiries.identity');
      await db
        .updateTable('relative_inquiries')
        .set({
          identity_enc: routing.encrypt(identity, 'relative_inquiries.identity'),
          identity_index: routing.blindIndex('inquiry-identity:telegram', identity),
        })
        .where('id', '=', r.id)
        .where('identity_enc', '=', r.identity_enc)
        .execute();
      moved++;
    }
  }

  // Outbox rows: the recipient index is recomputed from the recipient inside the payload.
  for (;;) {
    const rows = await db
      .selectFrom('outbox')
      .select(['id', 'channel', 'payload_enc'])
      .where('payload_enc', 'like', 'wf1.%')
      .limit(200)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const text = vault.decrypt(r.payload_enc as string, 'outbox.payload');
      const to = (JSON.parse(text) as { to: string }).to;
      await db
        .updateTable('outbox')
        .set({
          payload_enc: routing.encrypt(text, 'outbox.payload'),
          recipient_index: routing.blindIndex(`outbox-recipient:${r.channel}`, to),
        })
        .where('id', '=', r.id)
        .where('payload_enc', '=', r.payload_enc)
        .execute();
      moved++;
    }
  }

  // The Telegram conversation state is keyed by the old index, which cannot be recomputed without the
  // chat id: it goes (the person is asked for the language again), nothing else depends on it.
  await db.deleteFrom('bot_conversations').where('state_enc', 'like', 'wf1.%').execute();

  // Provider update ids in clear (a WhatsApp id encodes the sender's number): keyed hashes only.
  for (;;) {
    const rows = await db
      .selectFrom('inbound_updates')
      .select(['channel', 'update_key'])
      .where('update_key', 'not like', 'h:%')
      .limit(500)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      await db
        .updateTable('inbound_updates')
        .set({ update_key: deps.updateKeyOf(r.channel, r.update_key) })
        .where('channel', '=', r.channel)
        .where('update_key', '=', r.update_key)
        .execute()
        .catch(() =>
          // Already recorded under its hash (a replay arrived meanwhile): the clear row just goes.
          db
            .deleteFrom('inbound_updates')
            .where('channel', '=', r.channel)
            .where('update_key', '=', r.update_key)
            .execute(),
        );
      moved++;
    }
  }

  // Everything else keeps its row identity: re-encrypt the value in place.
  // Everything but the columns handled above (their look-up indexes change with them).
  const handled = [
    'request_threads.identity_enc',
    'relative_inquiries.identity_enc',
    'outbox.payload_enc',
    'bot_conversations.state_enc',
  ];
  const simple = ROUTING_TIER_COLUMNS.filter((c) => !handled.includes(`${c.table}.${c.column}`));
  for (const col of simple) {
    const table = sql.table(col.table);
    const column = sql.ref(col.column);
    for (;;) {
      const rows = (
        await sql<{ id: string; blob: string }>`
          SELECT ${sql.raw(col.key)} AS id, ${column} AS blob FROM ${table}
          WHERE ${column} LIKE 'wf1.%' LIMIT 500`.execute(db)
      ).rows;
      if (rows.length === 0) break;
      for (const r of rows) {
        const next = routing.encrypt(vault.decrypt(r.blob, col.context), col.context);
        await sql`UPDATE ${table} SET ${column} = ${next} WHERE ${sql.raw(col.key)} = ${r.id} AND ${column} = ${r.blob}`.execute(
          db,
        );
        moved++;
      }
    }
  }
  return moved;
}
