// New small files kept as slab ranges in FsTree (no segment objects until first touch).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { gate, TestStore } from './_stores.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('new small files as memory ranges', () => {
  it('read, stat and marshal without materialising; the same manifest as open + write', async () => {
    const fast = await CollectionFS.load('', { store: new MemoryStore(), now: () => 5_000 });
    const slow = await CollectionFS.load('', { store: new MemoryStore(), now: () => 5_000 });
    for (let i = 0; i < 50; i++) {
      const data = Buffer.from(`file ${i} `.repeat(i + 1));
      await fast.writeFile(`f${i}`, data);
      const h = await slow.open(`f${i}`, 'w');
      await h.write(data, 0, data.length, 0);
      await h.close();
    }
    const tree = fast.core.tree;
    const f7 = tree.childOf(tree.root, 'f7');
    assert.equal(tree.hasMemRange(f7), true);
    assert.equal((await fast.stat('f7')).size, 'file 7 '.length * 8);
    assert.equal(await fast.readFile('f7', 'latin1'), 'file 7 '.repeat(8));
    const part = Buffer.alloc(4);
    const h = await fast.open('f7', 'r');
    assert.equal((await h.read(part, 0, 4, 5)).bytesRead, 4);
    await h.close();
    assert.equal(text(part), '7 fi');
    assert.equal(tree.hasMemRange(f7), true, 'reads do not materialise');
    const m = await fast.marshalManifest();
    assert.equal(tree.hasMemRange(f7), false, 'stored after marshal');
    assert.equal(m, await slow.marshalManifest());
    assert.equal(await fast.readFile('f7', 'latin1'), 'file 7 '.repeat(8));
  });

  it('write, append and truncate materialise the range and keep its bytes', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    await fs.writeFile('a', Buffer.from('hello'));
    await fs.writeFile('b', Buffer.from('world'));
    const tree = fs.core.tree;
    assert.equal(tree.hasMemRange(tree.childOf(tree.root, 'a')), true);
    await fs.appendFile('a', '!!');
    await fs.truncate('b', 3);
    const h = await fs.open('b', 'r+');
    await h.write(Buffer.from('W'), 0, 1, 0);
    await h.close();
    assert.equal(await fs.readFile('a', 'latin1'), 'hello!!');
    assert.equal(await fs.readFile('b', 'latin1'), 'Wor');
    const again = await CollectionFS.load(await fs.marshalManifest(), { store: fs.core.store as MemoryStore });
    assert.equal(await again.readFile('a', 'latin1'), 'hello!!');
    assert.equal(await again.readFile('b', 'latin1'), 'Wor');
  });

  it('a write while the range waits for its upload does not change the uploaded block', async () => {
    // Blocks of 8 bytes, one upload at a time: [a b] uploads (held by the gate), [c d] waits for
    // the slot and is copied only then, after c was overwritten.
    const store = new TestStore();
    const fs = await CollectionFS.load('', { store, blockSize: 8, concurrentWriters: 1 });
    for (const name of ['a', 'b', 'c', 'd']) await fs.writeFile(name, Buffer.from(name.repeat(4)));
    const tree = fs.core.tree;
    assert.equal(tree.hasMemRange(tree.childOf(tree.root, 'c')), true);
    const g = gate();
    store.gate = g.promise;
    const marshal = fs.marshalManifest();
    for (let i = 0; i < 100 && store.inFlight === 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(store.inFlight, 1, 'first upload started');
    const h = await fs.open('c', 'r+');
    await h.write(Buffer.from('XY'), 0, 2, 1);
    await h.close();
    g.open();
    store.gate = undefined;
    const m = await marshal;
    const locators = m.split(' ').filter((w) => /^[0-9a-f]{32}\+/.test(w));
    const blocks = await Promise.all(locators.map(async (l) => text(await store.get(l))));
    assert.deepEqual(blocks.sort(), ['aaaabbbb', 'cXYc', 'ccccdddd']);
    const again = await CollectionFS.load(m, { store: store.inner });
    assert.equal(await again.readFile('c', 'latin1'), 'cXYc');
    assert.equal(await again.readFile('d', 'latin1'), 'dddd');
  });

  it('a failed upload keeps the ranges in memory and a retry stores them', async () => {
    const store = new TestStore();
    const fs = await CollectionFS.load('', { store });
    await fs.writeFile('a', Buffer.from('one'));
    await fs.writeFile('b', Buffer.from('two'));
    store.failNext = 1;
    await assert.rejects(fs.marshalManifest());
    const tree = fs.core.tree;
    assert.equal(tree.hasMemRange(tree.childOf(tree.root, 'a')), true);
    assert.equal(await fs.readFile('b', 'latin1'), 'two');
    const m = await fs.marshalManifest();
    const again = await CollectionFS.load(m, { store: store.inner });
    assert.equal(await again.readFile('a', 'latin1'), 'one');
    assert.equal(await again.readFile('b', 'latin1'), 'two');
  });

  it('a loaded tree allocates no range arrays until the first new small file', async () => {
    let manifest = '';
    for (let i = 0; i < 20_000; i++) manifest += `./d${i} acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:f\n`;
    const store = new MemoryStore();
    await store.put(Buffer.from('foo'));
    const fs = await CollectionFS.load(manifest, { store });
    const tree = fs.core.tree;
    assert.equal(tree.tableBytes().memRanges, 0, 'nothing after the load');
    assert.equal(await fs.readFile('d7/f', 'latin1'), 'foo');
    assert.equal(tree.tableBytes().memRanges, 0, 'reads allocate nothing');
    await fs.writeFile('new', Buffer.from('x'));
    // Four 4-byte arrays, one slot per node (40,002 nodes at least).
    assert.ok(tree.tableBytes().memRanges >= 16 * 40_002, `range arrays: ${tree.tableBytes().memRanges} bytes`);
    assert.equal(await fs.readFile('new', 'latin1'), 'x');
  });

  it('concurrent new-file writers, renames, overwrites, flushes and marshals with failing uploads lose nothing', async () => {
    const store = new TestStore();
    store.delayMs = 1;
    const fs = await CollectionFS.load('', { store, blockSize: 64, concurrentWriters: 2 });
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const model = new Map<string, Buffer>();
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 40; i++) {
        const name = `w${w}-${i}`;
        const data = Buffer.alloc(1 + rand(40), 97 + ((w * 7 + i) % 26));
        await fs.writeFile(name, data);
        model.set(name, data);
        const op = rand(10);
        if (op === 0 && i > 0) {
          // Rename an earlier file of this writer (maybe still a range, maybe uploading).
          const from = `w${w}-${rand(i)}`;
          const to = `${from}-r`;
          const content = model.get(from);
          if (content !== undefined) {
            await fs.rename(from, to);
            model.delete(from);
            model.set(to, content);
          }
        } else if (op === 1) {
          const more = Buffer.from(`+${i}`);
          await fs.appendFile(name, more);
          model.set(name, Buffer.concat([data, more]));
        } else if (op === 2) {
          const h = await fs.open(name, 'r+');
          await h.write(Buffer.from('Z'), 0, 1, 0);
          await h.close();
          const next = Buffer.from(data);
          next[0] = 90;
          model.set(name, next);
        }
      }
    });
    const flushers = Array.from({ length: 2 }, async (_, f) => {
      for (let i = 0; i < 30; i++) {
        if (rand(5) === 0) store.failNext = 1;
        await (f === 0 ? fs.flush('', { shortBlocks: rand(2) === 0 }) : fs.marshalManifest()).catch((e: unknown) => {
          if (!(e instanceof Error) || !/injected failure/.test(e.message)) throw e;
        });
        await new Promise((r) => setTimeout(r, rand(3)));
      }
    });
    await Promise.all([...writers, ...flushers]);
    store.failNext = 0;
    for (const [name, content] of model) assert.deepEqual(await fs.readFile(name), content, name);
    const m = await fs.marshalManifest();
    const again = await CollectionFS.load(m, { store: store.inner });
    assert.equal(again.size(), [...model.values()].reduce((n, b) => n + b.length, 0));
    for (const [name, content] of model) assert.deepEqual(await again.readFile(name), content, `${name} after reload`);
  });
});
