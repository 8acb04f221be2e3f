#!/usr/bin/env node
// `npm run bench -- NAME [args]` runs dist/bench/NAME.bench.js with GC exposed.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const [name, ...rest] = process.argv.slice(2);
const file = name ? `dist/bench/${name}.bench.js` : '';
if (!name || !existsSync(file)) {
  const names = readdirSync('dist/bench').filter((f) => f.endsWith('.bench.js')).map((f) => f.slice(0, -'.bench.js'.length));
  console.error(`usage: npm run bench -- NAME   (one of: ${names.join(', ')})`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', file, ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
