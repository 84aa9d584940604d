import { existsSync } from 'node:fs';
import type { Config } from './config.ts';
import { type Keyring, loadKeyring } from './crypto/keyring.ts';
import { connectDatabase, type DbHandle } from './db/database.ts';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded.ts';
import { migrate } from './db/migrate.ts';
import type { Log } from './log.ts';

export interface Runtime {
  handle: DbHandle;
  databaseUrl: string;
  keyring: Keyring;
  keysCreated: boolean;
  embedded: EmbeddedDatabase | null;
  close(): Promise<void>;
}

/**
 * Opens what both the server and the CLI need: the database (a PostgreSQL server from DATABASE_URL,
 * or the embedded one in the data directory, reused if already running), migrated, and the keyring.
 */
export async function openRuntime(config: Config, log: Log): Promise<Runtime> {
  const embedded = config.database.url
    ? null
    : await startEmbeddedPostgres(config.dataDir, (m) =>
        log.debug({ postgres: m.trim() }, 'embedded postgres'),
      );
  if (embedded) log.info({ dataDir: config.dataDir, reused: !embedded.owned }, 'embedded PostgreSQL ready');
  const url = config.database.url ?? (embedded as EmbeddedDatabase).url;
  const handle = connectDatabase(url, config.database.poolSize);
  try {
    const applied = await migrate(handle.pool);
    if (applied.length) log.info({ applied }, 'migrations applied');
    // With a database server the keys must be provided: several instances generating their own would
    // each encrypt under a different key. Only the zero-setup embedded mode creates them.
    // …and only into an empty database: after a restore without its key file, new keys would open
    // nothing and silently start a second, incompatible set of data.
    const hasData = embedded
      ? (await handle.pool.query('SELECT 1 FROM signing_keys LIMIT 1')).rowCount !== 0
      : true;
    if (embedded && hasData && !existsSync(config.keys.file) && !config.keys.masterKey) {
      throw new Error(
        `The database in ${config.dataDir} holds data but its key file ${config.keys.file} is missing. Put back the key file kept with your backups (it is never inside a backup); new keys would open nothing.`,
      );
    }
    const { keyring, created } = await loadKeyring(config.keys, embedded !== null);
    return {
      handle,
      databaseUrl: url,
      keyring,
      keysCreated: created,
      embedded,
      close: async () => {
        await handle.close();
        if (embedded?.owned) await embedded.stop();
      },
    };
  } catch (e) {
    await handle.close();
    if (embedded?.owned) await embedded.stop();
    throw e;
  }
}
