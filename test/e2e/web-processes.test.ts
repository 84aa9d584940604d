import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, type ConsoleUser, nextTotp, submitPublicRequest } from '../console-helpers.ts';
import { until } from '../helpers.ts';
import { groupAlive } from '../process-registry.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * `WHITEFLAG_WEB_PROCESSES=2` as a user starts it: one supervising process, two web processes behind
 * the one port, one job runner, the embedded PostgreSQL. Requests are answered by both web processes;
 * the routing key reaches every process once the admin logs in (a restarted one too, from a peer); a
 * web process killed with SIGKILL comes back while the form keeps working; SIGTERM stops everything.
 */
let server: ServerProcess;
let admin: ConsoleUser;

/** Pid of each cluster child of the supervisor, by its process name (web-1, web-2, jobs). */
function children(ppid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== ppid) continue;
      const name = /(?:^|\0)WHITEFLAG_PROCESS_NAME=([^\0]+)/.exec(
        fs.readFileSync(`/proc/${d}/environ`, 'latin1'),
      );
      if (name?.[1]) out.set(name[1], Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/**
 * A request on a connection of its own, as a new visitor's browser makes it (round-robin hands out
 * connections, not requests; a kept-alive connection to a killed process is simply reset).
 */
function onNewConnection(url: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        agent: false,
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('no answer in 20 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The public form, GET then POST, each on a new connection; the receipt code shown. */
async function submitAsNewVisitor(message: string): Promise<string> {
  const form = await onNewConnection(`${server.url}/?lang=ru`);
  const token = /name="token" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
  const res = await onNewConnection(
    `${server.url}/requests`,
    new URLSearchParams({ token, lang: 'ru', category: 'relative', message }).toString(),
  );
  expect(res.status).toBe(200);
  const code = /id="receipt-code"[^>]*>([^<]+)</.exec(res.text)?.[1];
  expect(code).toBeTruthy();
  return code as string;
}

/** Names of the processes that logged `msg` (JSON lines; `process` is the cluster child's name). */
function processesThatLogged(output: string, msg: string, from = 0): Set<string> {
  const names = new Set<string>();
  for (const line of output.slice(from).split('\n')) {
    if (!line.includes(`"msg":"${msg}"`)) continue;
    const name = /"process":"([^"]+)"/.exec(line)?.[1];
    if (name) names.add(name);
  }
  return names;
}

const submit = (message: string) =>
  submitPublicRequest(server.url, { lang: 'ru', category: 'relative', message });

beforeAll(async () => {
  server = await startServerProcess({ WHITEFLAG_WEB_PROCESSES: '2', WHITEFLAG_LOG_LEVEL: 'info' });
  admin = await addUser(server, 'cluster-admin@example.org', 'admin', 'cluster admin password');
}, 90_000);

afterAll(async () => {
  await server?.cleanup();
});

describe('two web processes and one job runner behind one port', () => {
  it('starts two web processes and one job runner, and says so once', () => {
    expect([...children(server.pid).keys()].sort()).toEqual(['jobs', 'web-1', 'web-2']);
    expect(server.output().match(/"msg":"Whiteflag is listening"/g)).toHaveLength(1);
    expect(server.output()).toContain('"webProcesses":2');
  });

  it('answers concurrent requests from both web processes, every one with a receipt', async () => {
    const receipts = await Promise.all(Array.from({ length: 12 }, (_, i) => submit(`Запрос номер ${i}`)));
    expect(new Set(receipts).size).toBe(12);
    // Operator API lines name the process that answered: new connections go to both in turn.
    const from = server.output().length;
    for (let i = 0; i < 8; i++) expect((await onNewConnection(`${server.url}/api/auth/me`)).status).toBe(401);
    await until(async () => processesThatLogged(server.output(), 'request', from).size === 2, 10_000);
    expect([...processesThatLogged(server.output(), 'request', from)].sort()).toEqual(['web-1', 'web-2']);
  });

  it('hands the routing key to every process once the admin logs in', async () => {
    await apiLogin(server.url, admin.email, admin.password, await nextTotp(admin));
    // One process opens it with the login; the others (the job runner too) get it from that peer.
    await until(async () => processesThatLogged(server.output(), 'routing key unlocked').size === 3, 30_000);
    expect([...processesThatLogged(server.output(), 'routing key unlocked')].sort()).toEqual([
      'jobs',
      'web-1',
      'web-2',
    ]);
  });

  it('starts a web process killed with SIGKILL again, and the form keeps working meanwhile', async () => {
    const before = children(server.pid);
    const victim = before.get('web-1') as number;
    const from = server.output().length;
    process.kill(victim, 'SIGKILL');
    // A connection handed to it in the instant before the supervisor sees it gone is lost, like a
    // request in flight; from then on the other web process answers every new visitor.
    await until(
      async () => server.output().slice(from).includes('process exited; starting it again'),
      10_000,
    );
    const receipts = await Promise.all(
      Array.from({ length: 4 }, (_, i) => submitAsNewVisitor(`Во время перезапуска ${i}`)),
    );
    expect(receipts).toHaveLength(4);
    await until(async () => {
      const now = children(server.pid).get('web-1');
      return now !== undefined && now !== victim;
    }, 30_000);
    await until(
      async () => processesThatLogged(server.output(), 'web process listening', from).has('web-1'),
      60_000,
    );
    expect(children(server.pid).get('web-2')).toBe(before.get('web-2'));
    // The new process holds no key; a running peer hands it over.
    await until(
      async () => processesThatLogged(server.output(), 'routing key unlocked', from).has('web-1'),
      30_000,
    );
    expect(server.output().slice(from)).toMatch(
      /"process":"web-1","how":"peer","msg":"routing key unlocked"/,
    );
    expect(await submitAsNewVisitor('После перезапуска')).toBeTruthy();
  }, 120_000);

  it('stops every process and the database on SIGTERM, leaving nothing running', async () => {
    const pids = [...children(server.pid).values()];
    const postmaster = Number(
      fs.readFileSync(path.join(server.dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    await server.stop();
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await until(async () => !groupAlive(server.pid), 10_000);
    expect(pids.filter(alive)).toEqual([]);
    expect(alive(postmaster)).toBe(false);
    expect(fs.existsSync(path.join(server.dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(server.output()).not.toMatch(/shutdown step failed/);
  }, 60_000);
});
