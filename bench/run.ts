import { UsageError } from './lib/args.ts';
import type { Benchmark } from './lib/benchmark.ts';
import { Teardown } from './lib/teardown.ts';

/**
 * npm run bench -- <name> [flags]
 *
 * One file per benchmark (bench/<name>.bench.ts, default export a Benchmark), loaded only when asked
 * for. To add one, write the file and list it here.
 */
const BENCHMARKS: Record<string, { summary: string; load: () => Promise<Benchmark> }> = {
  intake: {
    summary: 'raw PostgreSQL INSERT ceiling vs. POST /requests over HTTP (throughput ratio, p99)',
    load: async () => (await import('./intake.bench.ts')).default,
  },
  admission: {
    summary:
      'a 300/s varied flood vs. 20 genuine people over HTTP against a real server (≥ 95% genuine admitted)',
    load: async () => (await import('./admission.bench.ts')).default,
  },
  queue: {
    summary:
      'the console over HTTP with 1,000,000 requests: queue pages and counts (p95 ≤ 20 ms), dashboard (≤ 100 ms)',
    load: async () => (await import('./queue.bench.ts')).default,
  },
  channels: {
    summary: 'Telegram webhook updates processed/s; outbox delivery vs. the 30/s limit (≥ 95%, 0 violations)',
    load: async () => (await import('./channels.bench.ts')).default,
  },
  flood: {
    summary: 'intake throughput, public form latency and queue ordering under a 100× fake-request flood',
    load: async () => (await import('./flood.bench.ts')).default,
  },
  match: {
    summary: 'relatives-desk inquiry matching against 200,000 POW records (p95 ≤ 30 ms; precision, recall)',
    load: async () => (await import('./match.bench.ts')).default,
  },
  stats: {
    summary: 'statistics rollup refresh and dashboard queries with 1,000,000 requests (p95 ≤ 100 ms)',
    load: async () => (await import('./stats.bench.ts')).default,
  },
};

function usage(): string {
  const names = Object.keys(BENCHMARKS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'usage: npm run bench -- <name> [flags]',
    '',
    'benchmarks:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${BENCHMARKS[n]?.summary ?? ''}`),
    '',
    'npm run bench -- <name> --help lists its flags. DATABASE_URL selects a PostgreSQL server',
    '(a fresh database is created and dropped); without it an embedded one runs in a temp directory.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const entry = name !== undefined && Object.hasOwn(BENCHMARKS, name) ? BENCHMARKS[name] : undefined;
  if (!entry) {
    process.stderr.write(`${name === undefined ? 'no benchmark given' : `unknown benchmark "${name}"`}\n\n`);
    process.stderr.write(`${usage()}\n`);
    return 2;
  }
  const bench = await entry.load();
  const benchUsage = `usage: npm run bench -- ${name} [flags]\n\n${bench.usage}\n`;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(benchUsage);
    return 0;
  }

  const teardown = new Teardown();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let code: number;
  try {
    await bench.run({ argv: rest, teardown, signal: abort.signal });
    code = abort.signal.aborted ? 130 : 0;
  } catch (e) {
    if (abort.signal.aborted) {
      process.stderr.write(`bench ${name} interrupted\n`);
      code = 130;
    } else if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\n${benchUsage}`);
      code = 2;
    } else {
      process.stderr.write(
        `bench ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      code = 1;
    }
  }
  if (!(await teardown.run()) && code === 0) code = 1;
  return code;
}

// Exit explicitly: everything has been released by now, and a stray keep-alive handle must not keep
// a finished benchmark hanging.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
