import { AppError } from '../errors.ts';
import { isoDate } from './record.ts';
import type { EventInput, RegistryKit } from './registry.kit.ts';

/** Events of a record (arrival, transfer, health, release …) and the capture-card duties they create (art. 70). */
export function createEventsService(kit: RegistryKit) {
  const { db, audit } = kit.deps;
  const { today, insertEvent, lockRecord } = kit;
  return {
    async addEvent(actorId: string, recordId: string, input: EventInput): Promise<{ id: string }> {
      if (!isoDate.safeParse(input.occurredOn).success)
        throw new AppError('validation_failed', 'Date as YYYY-MM-DD', { field: 'occurredOn' });
      const id = await audit.write(async (trx) =>
        insertEvent(trx, await lockRecord(trx, recordId), input, actorId),
      );
      return { id };
    },

    /** Art. 70: the capture card of this duty was sent (to the family and the Central Agency). */
    async markCardSent(actorId: string, dutyId: string, sentOn: string): Promise<void> {
      if (sentOn > today())
        throw new AppError('validation_failed', 'The date is in the future', { field: 'sentOn' });
      await audit.write(async (trx, w) => {
        const r = await trx
          .updateTable('pow_card_duties')
          .set({ sent_on: sentOn, sent_by: actorId })
          .where('id', '=', dutyId)
          .where('sent_on', 'is', null)
          // Not before the arrival, transfer or admission it is for.
          .where('event_on', '<=', sentOn)
          .returning('record_id')
          .executeTakeFirst();
        if (!r) throw new AppError('not_found', 'No such open capture-card duty on or before that date');
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'pow.card.sent',
          subjectType: 'pow_record',
          subjectId: r.record_id,
          details: { duty: dutyId },
        });
      });
    },

    async cardDuty(dutyId: string) {
      const d = await db
        .selectFrom('pow_card_duties')
        .selectAll()
        .where('id', '=', dutyId)
        .executeTakeFirst();
      if (!d) throw new AppError('not_found', 'No such capture-card duty');
      const ev = await db
        .selectFrom('pow_events')
        .select(['from_facility_id'])
        .where('id', '=', d.event_id)
        .executeTakeFirstOrThrow();
      const from = ev.from_facility_id
        ? await db
            .selectFrom('facilities')
            .select('name')
            .where('id', '=', ev.from_facility_id)
            .executeTakeFirst()
        : undefined;
      return { ...d, comingFrom: from?.name };
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
