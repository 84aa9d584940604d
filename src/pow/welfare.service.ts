import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { AppError } from '../errors.ts';
import { correspondenceState, previousMonth } from './deadlines.ts';
import type { RegistryKit, Trx } from './registry.kit.ts';

/** The welfare log (art. 26, 30, 71, 126) and correspondence against the monthly minimum (art. 71). */
export function createWelfareService(kit: RegistryKit) {
  const { db, vault, audit, clock } = kit.deps;
  const { today, lockRecord } = kit;
  return {
    async addWelfare(
      actorId: string,
      recordId: string,
      input: { kind: string; occurredOn: string; quantity?: number; notes?: string; letterId?: string },
      trx?: Trx,
    ): Promise<{ id: string }> {
      if (input.occurredOn > today())
        throw new AppError('validation_failed', 'The date is in the future', { field: 'occurredOn' });
      const run = async (t: Trx) => {
        await lockRecord(t, recordId);
        const id = randomUUID();
        await t
          .insertInto('pow_welfare')
          .values({
            id,
            record_id: recordId,
            kind: input.kind,
            occurred_on: input.occurredOn,
            quantity: input.quantity ?? 1,
            notes_enc: input.notes ? vault.encrypt(input.notes, 'pow_welfare.notes') : null,
            letter_id: input.letterId ?? null,
            created_by: actorId,
            created_at: clock.now(),
          })
          .execute();
        await audit.append(
          {
            actorType: 'operator',
            actorId,
            action: 'pow.welfare',
            subjectType: 'pow_record',
            subjectId: recordId,
            details: { kind: input.kind },
          },
          t,
        );
        return { id };
      };
      const out = trx ? await run(trx) : await audit.write(run);
      return out;
    },

    /** Art. 71: letters and cards the prisoner sent, this month and the last, against the minimum. */
    async correspondence(recordId: string) {
      const month = today().slice(0, 7);
      const prev = previousMonth(month);
      const rows = await sql<{ month: string; letters: number; cards: number }>`
        SELECT to_char(occurred_on, 'YYYY-MM') AS month,
          coalesce(sum(quantity) FILTER (WHERE kind = 'letter_sent'), 0)::int AS letters,
          coalesce(sum(quantity) FILTER (WHERE kind = 'card_sent'), 0)::int AS cards
        FROM pow_welfare WHERE record_id = ${recordId} AND occurred_on >= ${`${prev}-01`}::date
        GROUP BY 1`.execute(db);
      const captured = await db
        .selectFrom('pow_events')
        .select((eb) => eb.fn.min('occurred_on').as('on'))
        .where('record_id', '=', recordId)
        .where('type', '=', 'capture')
        .executeTakeFirst();
      const from = (captured?.on ?? today()).slice(0, 7);
      // Months before the capture owe nothing.
      return [prev, month]
        .filter((m) => m >= from)
        .map((m) => {
          const r = rows.rows.find((x) => x.month === m) ?? { month: m, letters: 0, cards: 0 };
          return { ...r, state: correspondenceState(r, today()) };
        });
    },
  };
}

export type WelfareService = ReturnType<typeof createWelfareService>;
