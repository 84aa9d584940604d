import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Every process group a test starts (a server with its embedded PostgreSQL, a Chromium) is written
 * down here, so that nothing outlives the run: the group is killed when the test stops it, when this
 * worker exits or is signalled, and — should the worker itself be killed — by the global teardown,
 * which reads the same list from `WHITEFLAG_TEST_PROCS_DIR`. A server spawned `detached` leads its own
 * group, and the PostgreSQL it starts stays in that group even after the server dies (SIGKILL).
 */
const groups = new Set<number>();

function registryDir(): string | undefined {
  const dir = process.env.WHITEFLAG_TEST_PROCS_DIR;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function isTracked(pgid: number): boolean {
  return groups.has(pgid);
}

export function trackGroup(pgid: number): void {
  groups.add(pgid);
  const dir = registryDir();
  if (dir) writeFileSync(path.join(dir, String(pgid)), String(process.pid));
}

/** SIGKILL to the whole group; a group already gone is fine. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // no such group any more
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function releaseGroup(pgid: number): void {
  killGroup(pgid);
  groups.delete(pgid);
  const dir = registryDir();
  if (dir) rmSync(path.join(dir, String(pgid)), { force: true });
}

/** Global teardown: whatever a worker left behind (it was killed, or timed out) goes now. */
export function killRegisteredGroups(dir: string): number[] {
  let killed: number[] = [];
  try {
    killed = readdirSync(dir)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 1);
  } catch {
    return [];
  }
  for (const pgid of killed) killGroup(pgid);
  rmSync(dir, { recursive: true, force: true });
  return killed;
}

/** The pids of this process's direct children (Linux /proc), to find a process a library spawned. */
export function childPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

let hooked = false;
export function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const g of groups) killGroup(g);
  };
  process.once('exit', killAll);
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(code);
    });
  }
}
