import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';

/**
 * The organisation public key, cached after the first read. It exists once the first admin is
 * created; until then intake refuses with `unavailable` rather than storing anything unsealed.
 */
export function createOrgPublicKeyCache(db: Db) {
  let cached: Buffer | null = null;
  return async (): Promise<Buffer> => {
    if (cached) return cached;
    const row = await db.selectFrom('org_keys').select('public_key').executeTakeFirst();
    if (!row)
      throw new AppError(
        'unavailable',
        'The hotline has no operators yet (create the first admin with the CLI)',
      );
    cached = row.public_key;
    return cached;
  };
}
