// Runs before `npm start`: builds the operator console when dist/console is missing or older than its
// sources, so `npm install && npm start` always serves a current console without a separate step.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist', 'console', 'index.html');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

if (!existsSync(path.join(root, 'console', 'index.html'))) process.exit(0);
// The console also bundles server modules (the API contract's fixed lists, transliteration, partial
// dates): a change anywhere in src/ may change the console.
const sources = [
  path.join(root, 'console'),
  path.join(root, 'vite.config.ts'),
  path.join(root, 'src'),
].filter(existsSync);
const srcTime = Math.max(
  ...sources.map((s) => (statSync(s).isDirectory() ? newest(s) : statSync(s).mtimeMs)),
);
if (existsSync(out) && statSync(out).mtimeMs >= srcTime) process.exit(0);

console.log('Building the operator console (first start or sources changed)…');
const r = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
