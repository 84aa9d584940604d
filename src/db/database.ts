import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type RawBuilder, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

// bigint columns (counters, sequence numbers) come back as strings; int8 fits JS numbers for our ranges
// only in some places, so we keep strings and convert where needed.
export type Db = Kysely<Database>;

export interface DbHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

// `date` columns stay 'YYYY-MM-DD' strings: a JS Date would shift them by the process time zone.
pg.types.setTypeParser(1082, (v: string) => v);

/**
 * A statement that starts with `/* prepared:<name> *\/` is sent as a named prepared statement: each
 * connection parses it once, and PostgreSQL may keep a generic plan instead of planning it again on
 * every call. For the hot statements of the public form only (planning the intake statements cost
 * more than running them, issue #13): the text must be fixed, since every distinct text stays
 * prepared on every connection for the connection's life.
 */
const PREPARED = /^\/\* prepared:([\w.-]+) \*\//;

/** Marks a raw statement as prepared (see PREPARED); the name says which hot path it belongs to. */
export function prepared<T>(name: string, statement: RawBuilder<T>): RawBuilder<T> {
  return sql<T>`${sql.raw(`/* prepared:${name} */`)} ${statement}`;
}

const statementNames = new Map<string, string>();

function statementName(tag: string, text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    // Two texts under one tag (a changed statement, a second variant) must not share a name.
    name = `${tag}.${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
    statementNames.set(text, name);
  }
  return name;
}

const patched = new WeakSet<pg.PoolClient>();

/** Kysely calls `client.query(text, values)`; a marked text goes out as a named statement. */
function withPreparedStatements(client: pg.PoolClient): pg.PoolClient {
  if (patched.has(client)) return client;
  patched.add(client);
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    const m = typeof text === 'string' && args.length === 2 ? PREPARED.exec(text) : null;
    if (!m) return query(...args);
    return query({ name: statementName(m[1] as string, text as string), text, values });
  };
  return client;
}

export function connectDatabase(url: string, poolSize: number): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    idleTimeoutMillis: 30_000,
    application_name: 'whiteflag',
  });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => withPreparedStatements(await pool.connect()),
        end: () => pool.end(),
      },
    }),
  });
  return {
    db,
    pool,
    close: () => db.destroy(),
  };
}
