// Checks the one-way layering of DESIGN.md: a lower layer never imports a higher one, and
// `fs` imports from `blocks` only as types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Which areas each area may import (value imports). */
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  util: ['errors', 'util'],
  manifest: ['errors', 'util', 'manifest'],
  blocks: ['errors', 'util', 'manifest', 'blocks'],
  fs: ['errors', 'util', 'manifest', 'fs'],
  catalog: ['errors', 'util', 'manifest', 'fs', 'catalog'],
  server: ['errors', 'util', 'manifest', 'blocks', 'fs', 'catalog', 'server'],
  cli: ['errors', 'util', 'manifest', 'blocks', 'fs', 'catalog', 'server', 'cli'],
  index: ['errors', 'util', 'manifest', 'blocks', 'fs', 'catalog', 'server'],
};
/** Extra areas allowed for `import type` only. */
const TYPE_ONLY: Record<string, readonly string[]> = { fs: ['blocks'], catalog: ['blocks'] };

function areaOf(file: string): string {
  const rel = relative(root, file).split('/');
  const first = rel[0] ?? '';
  return rel.length === 1 ? first.replace(/\.(ts|js)$/, '') : first;
}

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('layering: no source file imports a higher layer', () => {
  const violations: string[] = [];
  const importRe = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/gm;
  const files = walk(root, []);
  assert.ok(files.length > 5, 'expected source files under src/');
  for (const file of files) {
    const from = areaOf(file);
    const allowed = ALLOWED[from];
    assert.ok(allowed, `unknown area ${from} (${file}): add it to the layering table`);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const target = areaOf(resolve(dirname(file), m[3] ?? ''));
      const typeOnly = m[2] !== undefined;
      if (allowed.includes(target)) continue;
      if (typeOnly && (TYPE_ONLY[from] ?? []).includes(target)) continue;
      violations.push(`${relative(root, file)} imports ${m[3]} (${from} -> ${target}${typeOnly ? ', type' : ''})`);
    }
  }
  assert.deepEqual(violations, []);
});
