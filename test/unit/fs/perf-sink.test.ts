// The load sink's compact representation: contiguous segment runs per file, and files whose
// tokens are not adjacent in the manifest.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { loadManifest } from '../../../src/manifest/load-manifest.js';
import { SimpleTree } from '../../../src/manifest/simple-tree.js';
import { writeManifest } from '../../../src/manifest/write-manifest.js';

const md5 = (b: Uint8Array | string): string => createHash('md5').update(b).digest('hex');

async function storeBlocks(store: MemoryStore, ...blocks: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const b of blocks) out.push((await store.put(Buffer.from(b))).locator);
  return out;
}

describe('FsTree as a load sink', () => {
  it('a file continued after other files keeps all its segments, in order', async () => {
    const store = new MemoryStore();
    const [l1, l2] = await storeBlocks(store, 'aaabbbAAA', 'cccDDD');
    // a: 0:3, then b, then a again (6:3), then c, then a again across both blocks (8:2 = "A" + "c").
    const text = `. ${l1} ${l2} 0:3:a 3:3:b 6:3:a 9:3:c 8:2:a 12:3:d\n`;
    const fs = await CollectionFS.load(text, { store });
    assert.equal(await fs.readFile('a', 'utf8'), 'aaaAAAAc');
    assert.equal(await fs.readFile('b', 'utf8'), 'bbb');
    assert.equal(await fs.readFile('c', 'utf8'), 'ccc');
    assert.equal(await fs.readFile('d', 'utf8'), 'DDD');
    assert.equal((await fs.stat('a')).size, 8);
    const again = await CollectionFS.load(await fs.marshalManifest(), { store });
    assert.equal(await again.readFile('a', 'utf8'), 'aaaAAAAc');
  });

  it('pre-sizing from the first line (small first line, then many files) keeps every file and segment', async () => {
    const store = new MemoryStore();
    const [l1, l2] = await storeBlocks(store, 'abcdef', 'ghij');
    const lines = [`. ${l1} 0:1:x\n`];
    for (let d = 0; d < 300; d++) {
      let line = `./d${d} ${l1} ${l2}`;
      for (let f = 0; f < 40; f++) line += ` ${f % 10}:1:f${f}`;
      lines.push(`${line} 5:3:span\n`);
    }
    const text = lines.join('');
    const fs = await CollectionFS.load(text, { store });
    assert.equal(await fs.readFile('x', 'utf8'), 'a');
    assert.equal(await fs.readFile('d299/f39', 'utf8'), 'j');
    assert.equal(await fs.readFile('d7/span', 'utf8'), 'fgh');
    assert.equal(fs.size(), 1 + 300 * 43);
    // The reference tree (no progress hint, no pre-sizing) marshals the same bytes.
    const simple = new SimpleTree();
    loadManifest(text, simple);
    assert.equal(Buffer.from(await fs.marshalManifest()).toString(), Buffer.from(writeManifest(simple)).toString());
  });

  it('files spanning blocks keep their segments; the manifest is stable over reloads', async () => {
    const store = new MemoryStore();
    const [l1, l2] = await storeBlocks(store, 'x'.repeat(10), 'y'.repeat(7));
    const text = `. ${l1} ${l2} 0:17:f 5:10:g\n./d ${l1} 0:10:h\n`;
    const fs = await CollectionFS.load(text, { store });
    const m1 = Buffer.from(await fs.marshalManifest()).toString();
    // Go writes each file's segments in turn (g's blocks are listed again after f's).
    assert.equal(m1, `. ${l1} ${l2} ${l1} ${l2} 0:17:f 22:10:g\n./d ${l1} 0:10:h\n`);
    const reloaded = await CollectionFS.load(m1, { store });
    assert.equal(Buffer.from(await reloaded.marshalManifest()).toString(), m1);
    assert.equal(md5(await fs.readFile('f')), md5('x'.repeat(10) + 'y'.repeat(7)));
    assert.equal(await fs.readFile('g', 'utf8'), 'xxxxxyyyyy');
    // Modify one file: the others keep their pool runs.
    await fs.appendFile('f', 'z');
    assert.equal(await fs.readFile('f', 'utf8'), `${'x'.repeat(10)}${'y'.repeat(7)}z`);
    assert.equal(await fs.readFile('d/h', 'utf8'), 'x'.repeat(10));
  });

  it('path lookup: plain paths take the fast route, every other form resolves as before', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    await fs.mkdir('a/d', { recursive: true });
    await fs.writeFile('a/d/f', 'x');
    await fs.writeFile('a/g', 'yy');
    for (const p of ['a/d/f', '/a/d/f', 'a//d/f', 'a/./d/f', 'a/d/../d/f', '../a/d/f', './a/d/f']) assert.equal((await fs.stat(p)).size, 1, p);
    assert.equal((await fs.stat('a/d/')).isDirectory(), true);
    assert.equal((await fs.stat('a')).size, 2, 'a has two entries');
    await assert.rejects(fs.stat('a/d/f/'), { code: 'ENOTDIR' });
    await assert.rejects(fs.stat('a/g/x'), { code: 'ENOTDIR' });
    await assert.rejects(fs.open('a/g/x', 'w'), { code: 'ENOTDIR' });
    await assert.rejects(fs.stat('a/nope/f'), { code: 'ENOENT' });
    await assert.rejects(fs.open('a/nope/f', 'w'), { code: 'ENOENT' });
    await fs.writeFile('a/./d/../h', 'zzz');
    assert.equal(await fs.readFile('a/h', 'utf8'), 'zzz');
    assert.equal((await fs.stat('.arvados#collection')).isFile(), true);
  });
});
