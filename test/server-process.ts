import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../src/db/embedded.ts';
import { hookExit, releaseGroup, trackGroup } from './process-registry.ts';

const execFileP = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/**
 * The hotline as a user runs it: `tsx src/main.ts` in its own process, on the embedded PostgreSQL in
 * a fresh data folder, everything it prints captured (to prove nothing identifying is logged).
 */
export interface ServerProcess {
  url: string;
  dataDir: string;
  /** The server's pid, which is also its process group's id. */
  pid: number;
  output: () => string;
  cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
  /** SIGKILL: no shutdown code runs (a crash, a power cut). */
  kill(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startServerProcess(
  extraEnv: Record<string, string> = {},
  opts: {
    dataDir?: string;
    /** A PostgreSQL server instead of the embedded database (the scale-out topology). */
    databaseUrl?: string;
    /** What the process prints once it is up (a worker serves no HTTP). */
    readyLine?: string;
    /** Extra flags for node (e.g. --cpu-prof, which NODE_OPTIONS does not take). */
    nodeArgs?: string[];
  } = {},
): Promise<ServerProcess> {
  // A second instance on the same data folder shares the first one's embedded PostgreSQL (scale-out).
  const dataDir = opts.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-e2e-')));
  const ownsDataDir = opts.dataDir === undefined;
  const port = await findFreePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WHITEFLAG_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    WHITEFLAG_LOG_LEVEL: 'debug',
    ...extraEnv,
  };
  // The zero-setup mode must not pick up the suite's DATABASE_URL.
  if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
  else delete env.DATABASE_URL;
  let out = '';
  // One process (node with tsx's loader), so that a SIGKILL really kills the server and nothing else.
  // It leads its own process group (detached), which its embedded PostgreSQL joins: whatever happens
  // to the test, the whole group is killed at the end (test/process-registry.ts).
  hookExit();
  const child: ChildProcess = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts'],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  const pgid = child.pid as number;
  trackGroup(pgid);
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!out.includes(opts.readyLine ?? 'Whiteflag is listening')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      releaseGroup(pgid);
      throw new Error(`server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
  };
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    pid: pgid,
    output: () => out,
    async cli(args, stdin) {
      const p = execFileP(TSX, ['src/cli.ts', ...args], {
        cwd: ROOT,
        env: { ...env, WHITEFLAG_LOG_LEVEL: 'warn' },
      });
      if (stdin !== undefined) {
        p.child.stdin?.end(stdin);
      } else {
        p.child.stdin?.end();
      }
      const r = await p.then(
        (v) => ({ code: 0, stdout: v.stdout, stderr: v.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({
          code: e.code,
          stdout: e.stdout,
          stderr: e.stderr,
        }),
      );
      out += r.stdout + r.stderr;
      return r;
    },
    stop,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async cleanup() {
      await stop();
      // A PostgreSQL orphaned by an earlier kill() (and not adopted by a later instance) goes too.
      releaseGroup(pgid);
      if (ownsDataDir) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A minimal cookie-keeping API client for an operator, as the console will be. */
export async function apiLogin(base: string, email: string, password: string, totp: string) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, totp }),
  });
  if (res.status !== 200) throw new Error(`login ${res.status}: ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
  return {
    get: (p: string) => fetch(`${base}${p}`, { headers }),
    post: (p: string, body: unknown) =>
      fetch(`${base}${p}`, { method: 'POST', headers, body: JSON.stringify(body) }),
    headers,
  };
}

/** Every file below `dir`, recursively, as one list of paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
