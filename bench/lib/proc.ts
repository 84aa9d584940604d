import fs from 'node:fs';

/**
 * CPU read from the kernel (Linux /proc), for measuring a server from outside: user + system time of
 * processes, in jiffies (USER_HZ, 100 per second on every mainstream architecture).
 */
export const USER_HZ = 100;

interface Stat {
  comm: string;
  ppid: number;
  pgrp: number;
  ticks: number;
}

function statOf(pid: number): Stat | undefined {
  let s: string;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone
  }
  const close = s.lastIndexOf(')');
  // After "(comm) ": state, ppid, pgrp, …; utime and stime are fields 14 and 15 of the line.
  const f = s.slice(close + 2).split(' ');
  return {
    comm: s.slice(s.indexOf('(') + 1, close),
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    ticks: Number(f[11]) + Number(f[12]),
  };
}

/** Jiffies per pid of every process in process group `pgid`, split into PostgreSQL and the rest. */
export interface GroupTicks {
  server: Map<number, number>;
  postgres: Map<number, number>;
}

export function groupTicks(pgid: number): GroupTicks {
  const out: GroupTicks = { server: new Map(), postgres: new Map() };
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = statOf(Number(d));
    if (!st || st.pgrp !== pgid) continue;
    (st.comm === 'postgres' ? out.postgres : out.server).set(Number(d), st.ticks);
  }
  return out;
}

/**
 * Jiffies per pid of a PostgreSQL server: the postmaster and its children (backends and background
 * processes start sessions of their own, so they are not in the postmaster's process group).
 */
export function postmasterTicks(postmaster: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    const st = statOf(pid);
    if (st && (pid === postmaster || st.ppid === postmaster)) m.set(pid, st.ticks);
  }
  return m;
}

/** Jiffies per pid of the given processes that are PostgreSQL processes. */
export function postgresTicksOf(pids: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const pid of pids) {
    const st = statOf(pid);
    if (st?.comm === 'postgres') m.set(pid, st.ticks);
  }
  return m;
}

/** CPU milliseconds between two snapshots; a process born in between counts from zero. */
export function cpuMsBetween(a: Map<number, number>, b: Map<number, number>): number {
  let j = 0;
  for (const [pid, t] of b) j += t - (a.get(pid) ?? 0);
  return (j * 1000) / USER_HZ;
}

export function loadAverage(): string {
  try {
    return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}
