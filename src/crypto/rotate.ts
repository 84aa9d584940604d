import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { ENCRYPTED_COLUMNS } from './encrypted-columns.ts';
import type { Vault } from './vault.ts';

/**
 * Re-wraps every server-tier data key that is not under the active master key. Payloads are not
 * touched. Runs in small batches (row-level, no table lock), so the hotline keeps running.
 */
export async function rewrapAll(db: Db, vault: Vault, onProgress?: (done: number) => void): Promise<number> {
  let total = 0;
  const active = vault.activeMasterKeyId();
  for (const col of ENCRYPTED_COLUMNS) {
    const table = sql.table(col.table);
    const column = sql.ref(col.column);
    for (;;) {
      const rows = (
        await sql<{ id: string; blob: string }>`
        SELECT ${sql.raw(col.key)} AS id, ${column} AS blob FROM ${table}
        WHERE ${column} LIKE 'wf1.%' AND split_part(${column}, '.', 2) <> ${active}
        LIMIT 500`.execute(db)
      ).rows;
      if (rows.length === 0) break;
      for (const r of rows) {
        const next = vault.rewrap(r.blob, col.context);
        if (next === null) continue;
        // Compare-and-set: a row changed meanwhile is picked up by the next batch.
        await sql`UPDATE ${table} SET ${column} = ${next} WHERE ${sql.raw(col.key)} = ${r.id} AND ${column} = ${r.blob}`.execute(
          db,
        );
        total++;
      }
      onProgress?.(total);
    }
  }
  return total;
}

/** How many server-tier values are still wrapped under one of these master keys. */
export async function countUnderKeys(db: Db, keyIds: string[]): Promise<number> {
  if (keyIds.length === 0) return 0;
  let total = 0;
  for (const col of ENCRYPTED_COLUMNS) {
    const r = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM ${sql.table(col.table)}
      WHERE ${sql.ref(col.column)} LIKE 'wf1.%' AND split_part(${sql.ref(col.column)}, '.', 2) = ANY(${keyIds}::text[])`.execute(
      db,
    );
    total += Number(r.rows[0]?.n ?? 0);
  }
  return total;
}
