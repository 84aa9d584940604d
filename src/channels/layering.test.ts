import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `channels/` is the outer adapter layer (docs/ARCHITECTURE.md): the interfaces it implements live with
 * their users (intake's `InboundMessage`, the outbox's `ChannelAdapter`, the settings in `config.ts`,
 * the public-page helpers in `http/`), so nothing below it imports it. Only the composition roots wire
 * the adapters in.
 */
const ROOTS = new Set(['src/app.ts', 'src/core.ts', 'src/main.ts', 'src/cli.ts']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.(ts|tsx)$/.test(e.name) ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function importsOf(text: string): string[] {
  const out: string[] = [];
  const re =
    /(?:^|\s)(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec) out.push(spec);
  }
  return out;
}

describe('channels/ is the top adapter layer', () => {
  it('finds imports the way the check reads them', () => {
    const sample = `import { a } from '../channels/web/web.pages.ts';\nimport type {\n  B,\n} from './x.ts';\nconst c = await import('../channels/sms/twilio.ts');\nexport { d } from '../y.ts';`;
    expect(importsOf(sample)).toEqual([
      '../channels/web/web.pages.ts',
      './x.ts',
      '../channels/sms/twilio.ts',
      '../y.ts',
    ]);
  });

  it('no module under src/ outside channels/ and the composition roots imports channels/', () => {
    const offenders: string[] = [];
    for (const f of files('src')) {
      const rel = f.split(path.sep).join('/');
      if (rel.startsWith('src/channels/') || ROOTS.has(rel) || /\.test\.tsx?$/.test(rel)) continue;
      for (const spec of importsOf(readFileSync(f, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
        if (target.startsWith('src/channels/')) offenders.push(`${rel} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
