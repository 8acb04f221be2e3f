// Marshal's "anything still in memory?" check runs over the materialised lists: removed files
// with buffered data (still open) must not count, linked ones anywhere in the tree must.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { TestStore } from './_stores.js';

describe('marshal memory check', () => {
  it('a removed file that still buffers data does not hold marshal back', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    await fs.mkdir('d');
    await fs.writeFile('d/keep', 'kept');
    const h = await fs.open('d/gone', 'w');
    await h.write('written before the unlink');
    await fs.unlink('d/gone');
    await h.write(' and after');
    const m = Buffer.from(await fs.marshalManifest()).toString();
    assert.match(m, /0:4:keep/);
    assert.doesNotMatch(m, /gone/);
    await h.close();
  });

  it('data written into a deep file while a marshal runs is flushed before it returns', async () => {
    const store = new TestStore();
    const fs = await CollectionFS.load('', { store, blockSize: 1024 });
    await fs.mkdir('a/b/c', { recursive: true });
    await fs.writeFile('a/b/c/f', 'x'.repeat(100));
    store.delayMs = 20;
    const marshal = fs.marshalManifest();
    // Lands after the first flush pass started: marshal must notice it (memory under the root).
    await new Promise((r) => setTimeout(r, 5));
    await fs.appendFile('a/b/c/f', 'y'.repeat(50));
    const m = Buffer.from(await marshal).toString();
    const again = await CollectionFS.load(m, { store });
    assert.equal(await again.readFile('a/b/c/f', 'utf8'), 'x'.repeat(100) + 'y'.repeat(50));
  });

  it('a file written in one piece (exact-size buffer) grows, is overwritten and packs correctly', async () => {
    const store = new MemoryStore();
    const fs = await CollectionFS.load('', { store });
    const model: number[] = [];
    const first = Buffer.alloc(1000, 1);
    await fs.writeFile('f', first);
    model.push(...first);
    await fs.writeFile('g', 'neighbour in the same slab');
    for (let i = 0; i < 50; i++) {
      const piece = Buffer.alloc(37 + i, i + 2);
      await fs.appendFile('f', piece);
      model.push(...piece);
    }
    const h = await fs.open('f', 'r+');
    await h.write(Buffer.from('XYZ'), 0, 3, 998);
    await h.close();
    model.splice(998, 3, 88, 89, 90);
    assert.deepEqual([...(await fs.readFile('f'))], model);
    assert.equal(await fs.readFile('g', 'utf8'), 'neighbour in the same slab');
    const again = await CollectionFS.load(await fs.marshalManifest(), { store });
    assert.deepEqual([...(await again.readFile('f'))], model);
    assert.equal(await again.readFile('g', 'utf8'), 'neighbour in the same slab');
  });
});

