import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { AppError } from '../errors.ts';
import type { FacilityView, RegistryKit } from './registry.kit.ts';

/** Camps, hospitals and other places of internment (GC III art. 22–23, 122). */
export function createFacilitiesService(kit: RegistryKit) {
  const { db, audit, clock } = kit.deps;
  return {
    async listFacilities(): Promise<FacilityView[]> {
      const rows = await sql<{
        id: string;
        name: string;
        kind: 'camp' | 'hospital' | 'transit';
        address: string;
        capacity: number;
        closed_at: Date | null;
        current: number;
      }>`
        SELECT f.id, f.name, f.kind, f.address, f.capacity, f.closed_at,
          (SELECT count(*)::int FROM pow_records r WHERE r.facility_id = f.id AND r.status IN ('held', 'in_hospital')) AS current
        FROM facilities f ORDER BY f.closed_at NULLS FIRST, f.name`.execute(db);
      return rows.rows.map((f) => ({
        id: f.id,
        name: f.name,
        kind: f.kind,
        address: f.address,
        capacity: f.capacity,
        current: f.current,
        closed: f.closed_at !== null,
      }));
    },

    async saveFacility(
      actorId: string,
      input: {
        name: string;
        kind: 'camp' | 'hospital' | 'transit';
        address: string;
        capacity: number;
        closed?: boolean;
      },
      id?: string,
    ): Promise<FacilityView> {
      const now = clock.now();
      const clash = await db
        .selectFrom('facilities')
        .select('id')
        .where('name', '=', input.name)
        .$if(id !== undefined, (q) => q.where('id', '<>', id as string))
        .executeTakeFirst();
      if (clash) throw new AppError('conflict', 'A facility with this name exists', { field: 'name' });
      const fid = id ?? randomUUID();
      await audit.write(async (trx, w) => {
        if (id) {
          const r = await trx
            .updateTable('facilities')
            .set({
              name: input.name,
              kind: input.kind,
              address: input.address,
              capacity: input.capacity,
              closed_at: input.closed ? now : null,
              updated_at: now,
            })
            .where('id', '=', id)
            .executeTakeFirst();
          if (r.numUpdatedRows === 0n) throw new AppError('not_found', 'No such facility');
        } else {
          await trx
            .insertInto('facilities')
            .values({
              id: fid,
              name: input.name,
              kind: input.kind,
              address: input.address,
              capacity: input.capacity,
              created_at: now,
              updated_at: now,
              closed_at: null,
            })
            .execute();
        }
        await w.audit({
          actorType: 'operator',
          actorId,
          action: id ? 'facility.update' : 'facility.create',
          subjectType: 'facility',
          subjectId: fid,
        });
      });
      const all = await this.listFacilities();
      return all.find((f) => f.id === fid) as FacilityView;
    },
  };
}

export type FacilitiesService = ReturnType<typeof createFacilitiesService>;
