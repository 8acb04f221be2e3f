// Memory budget of a loaded tree's typed arrays, so a per-node regression fails `npm test`
// instead of waiting for someone to run `npm run bench -- fs big` (400 MB for 4M files there).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';

/** `streams` streams shaped like bigmanifest's: 100 blocks of 99,999 bytes, 2000 files each. */
function bigManifestSlice(streams: number): string {
  let tail = '';
  for (let b = 0; b < 100; b++) tail += ' d41d8cd98f00b204e9800998ecf8427e+99999';
  for (let f = 0; f < 2000; f++) tail += ` 1200000:300000:file${f}`;
  let text = '';
  for (let d = 0; d < streams; d++) text += `./dir${d}${tail}\n`;
  return text;
}

describe('loaded tree table budget', () => {
  it('a bigmanifest-shaped load keeps its node and segment arrays within 72 bytes per file', async () => {
    const files = 20 * 2000;
    const fs = await CollectionFS.load(bigManifestSlice(20), { store: new MemoryStore() });
    assert.equal(fs.size(), files * 300000);
    const t = fs.core.tree.tableBytes();
    assert.equal(t.memRanges, 0, 'no new-file range arrays in a loaded tree');
    // Today: ≈ 16.5 bytes per node (five arrays) and ≈ 51 per file of segments (4.2 × 12 bytes).
    const perFile = (t.nodes + t.memRanges + t.segments) / files;
    assert.ok(perFile <= 72, `${perFile.toFixed(1)} bytes per file (nodes ${t.nodes}, segments ${t.segments})`);
  });
});
