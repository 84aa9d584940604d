import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateKeyMaterial } from '../../src/crypto/keyring.ts';
import { findFreePort } from '../../src/db/embedded.ts';
import { addUser, type ConsoleUser, nextTotp, submitPublicRequest } from '../console-helpers.ts';
import { databaseUrl } from '../global-setup.ts';
import { until } from '../helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * The production topology of docs/deploy.md with real processes: one PostgreSQL server, two `web`
 * instances and one `worker` (plus, for the jobs check, a second worker as a rolling upgrade would
 * have for a moment). Live updates reach both web instances; each scheduled run happens once; a web
 * instance SIGKILLed in the middle of a load loses no request it had acknowledged.
 */
const name = `wf_topo_${randomBytes(4).toString('hex')}`;
const adminUrl = inject('pgAdminUrl');
const url = databaseUrl(adminUrl, name);
const PASSWORD = 'topology password';
let web1: ServerProcess;
let web2: ServerProcess;
let worker: ServerProcess;
let worker2: ServerProcess;
let workerOps = '';
let admin: ConsoleUser;

async function adminQuery(q: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(q);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  await adminQuery(`CREATE DATABASE ${name}`);
  const env = {
    WHITEFLAG_MASTER_KEY: generateKeyMaterial(),
    WHITEFLAG_INDEX_KEY: generateKeyMaterial(),
    WHITEFLAG_AUDIT_KEY: generateKeyMaterial(),
    WHITEFLAG_LOG_LEVEL: 'info',
  };
  // All start at once: the migrations run once, under the advisory lock, whoever comes first.
  const opsPort = await findFreePort();
  workerOps = `http://127.0.0.1:${opsPort}`;
  [web1, web2, worker] = await Promise.all([
    startServerProcess({ ...env, WHITEFLAG_ROLE: 'web' }, { databaseUrl: url }),
    startServerProcess({ ...env, WHITEFLAG_ROLE: 'web' }, { databaseUrl: url }),
    startServerProcess(
      { ...env, WHITEFLAG_ROLE: 'worker', WHITEFLAG_METRICS_PORT: String(opsPort) },
      { databaseUrl: url, readyLine: 'Whiteflag worker is running' },
    ),
  ]);
  worker2 = await startServerProcess(
    { ...env, WHITEFLAG_ROLE: 'worker' },
    { databaseUrl: url, readyLine: 'Whiteflag worker is running' },
  );
  admin = await addUser(web1, 'topo@example.org', 'admin', PASSWORD);
}, 180_000);

afterAll(async () => {
  await Promise.all([web1?.cleanup(), web2?.cleanup(), worker?.cleanup(), worker2?.cleanup()]);
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

const submit = (base: string, message: string) =>
  submitPublicRequest(base, { lang: 'ru', category: 'relative', message });

/** Reads SSE `request` events from a stream until one with `type` arrives. */
async function waitForEvent(res: Response, type: string, ms: number): Promise<boolean> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const deadline = Date.now() + ms;
  try {
    while (Date.now() < deadline) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<null>((r) => setTimeout(() => r(null), Math.max(1, deadline - Date.now()))),
      ]);
      if (!chunk || chunk.done) return false;
      buf += decoder.decode(chunk.value, { stream: true });
      if (buf.includes('event: request') && buf.includes(`"type":"${type}"`)) return true;
    }
    return false;
  } finally {
    await reader.cancel();
  }
}

describe('two web instances and a worker on one PostgreSQL server', () => {
  it('ran the migrations once and every instance is ready', async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const r = await c.query<{ n: string; d: string }>(
      'SELECT count(*) AS n, count(DISTINCT name) AS d FROM schema_migrations',
    );
    await c.end();
    expect(r.rows[0]?.n).toBe(r.rows[0]?.d);
    for (const w of [web1, web2]) expect((await fetch(`${w.url}/readyz`)).status).toBe(200);
    const ready = await fetch(`${workerOps}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { jobs: 'ok' } });
  });

  it('delivers a live update to consoles on both web instances', async () => {
    const t0 = Date.now();
    // One login after the other: each TOTP step is accepted once per user.
    const streams: Response[] = [];
    for (const w of [web1, web2]) {
      const s = await apiLogin(w.url, admin.email, PASSWORD, await nextTotp(admin));
      streams.push(await fetch(`${w.url}/api/events`, { headers: { cookie: s.headers.cookie } }));
    }
    const seen = streams.map((s) => waitForEvent(s, 'created', 15_000));
    await new Promise((r) => setTimeout(r, 300));
    await submit(web1.url, 'Живое обновление на оба экземпляра');
    expect(await Promise.all(seen)).toEqual([true, true]);
    console.info(`topology: live update reached both web instances in ${Date.now() - t0} ms (incl. logins)`);
  });

  it('loses no acknowledged request when a web instance is SIGKILLed mid-load', async () => {
    const acknowledged: string[] = [];
    let failed = 0;
    let killedAt = 0;
    const t0 = Date.now();
    const client = async (i: number) => {
      for (let n = 0; n < 15; n++) {
        const target = (i + n) % 2 === 0 ? web1 : web2;
        try {
          acknowledged.push(await submit(target.url, `Нагрузка ${i}-${n}`));
        } catch {
          failed++; // not acknowledged: the requester sees an error and sends again
        }
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(client));
    await until(async () => acknowledged.length >= 12, 60_000);
    killedAt = acknowledged.length;
    await web1.kill();
    await load;
    const ms = Date.now() - t0;
    expect(failed).toBeGreaterThan(0); // the kill really hit requests in flight or after it
    // Every acknowledged receipt opens its thread through the surviving instance.
    let opened = 0;
    for (const receipt of acknowledged) {
      const res = await fetch(`${web2.url}/follow-up`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ code: receipt, lang: 'ru' }),
      });
      await res.text();
      if (res.status === 200) opened++;
    }
    expect(opened).toBe(acknowledged.length);
    console.info(
      `topology: ${acknowledged.length} acknowledged (${killedAt} before the SIGKILL), ${failed} refused by the dead instance, all ${opened} receipts open on the survivor; load ${ms} ms`,
    );
  }, 180_000);

  it('runs each scheduled job once across the workers', async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      // The timers job is scheduled every minute; wait for its first run (a second one would only add
      // a minute of waiting to CI: one slot watched by both workers already shows whether it runs twice).
      const runs = await until(async () => {
        const r = await c.query<{ n: string }>(
          `SELECT count(*) AS n FROM pgboss.job WHERE name = 'timers-tick' AND state = 'completed'`,
        );
        return Number(r.rows[0]?.n) >= 1 ? Number(r.rows[0]?.n) : null;
      }, 110_000);
      // Both workers watch the schedule, yet each minute's slot was sent once (pg-boss's singleton
      // per slot), and no slot ran twice.
      const slots = await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM pgboss.job
          WHERE name = '__pgboss__send-it' AND singleton_key = 'timers-tick' GROUP BY singleton_on`,
      );
      expect(slots.rows.length).toBeGreaterThanOrEqual(1);
      for (const r of slots.rows) expect(Number(r.n)).toBe(1);
      const total = await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM pgboss.job WHERE name = 'timers-tick'`,
      );
      expect(Number(total.rows[0]?.n)).toBeLessThanOrEqual(slots.rows.length);
      // And the web instances never joined the job queue.
      const conns = await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'whiteflag-jobs'`,
        [name],
      );
      expect(Number(conns.rows[0]?.n)).toBeGreaterThan(0);
      console.info(
        `topology: timers-tick ran ${runs} times for ${slots.rows.length} scheduled minutes, once each`,
      );
    } finally {
      await c.end();
    }
  }, 200_000);
});
