// CollectionFS write buffering: flush packing, memory accounting, backpressure, failures.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isKeepError, KeepError } from '../../../src/errors.js';
import type { PutOptions, PutResult } from '../../../src/blocks/block-store.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { gate, TestStore } from './_stores.js';

const md5 = (s: string | Uint8Array): string => createHash('md5').update(s).digest('hex');
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('CollectionFS flush and memory', () => {
  it('memorySize follows the reference accounting', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    assert.equal(fs.memorySize(), 64);
    await fs.mkdir('d');
    assert.equal(fs.memorySize(), 128);
    const h = await fs.open('d/f', 'w+');
    assert.equal(fs.memorySize(), 192);
    await h.write('hello');
    assert.equal(fs.memorySize(), 261);
    await fs.flush('', { shortBlocks: true });
    assert.equal(fs.memorySize(), 290);
    assert.equal(await fs.marshalManifest(), `./d 5d41402abc4b2a76b9719d911017c592+5 0:5:f\n`);
    const loaded = await CollectionFS.load(`. ${md5('foo')}+3 0:3:foo\n`, { store: new MemoryStore() });
    assert.equal(loaded.memorySize(), 226);
    assert.equal(loaded.size(), 3);
  });

  it('TestFlushFullBlocksOnly (scaled: 64 KiB blocks, 8 dirs × 67 × 1 KiB)', async () => {
    const B = 64 * 1024;
    const fs = await CollectionFS.load('', { store: new MemoryStore(), blockSize: B });
    for (let d = 0; d < 8; d++) {
      await fs.mkdir(`dir${d}`);
      for (let i = 0; i < 67; i++) await fs.writeFile(`dir${d}/file${String(i).padStart(2, '0')}`, Buffer.alloc(1024, d * 67 + i));
    }
    const initial = 8 * 67 * (1024 + 64) + (8 * 68 + 1) * 64;
    assert.equal(fs.memorySize(), initial);
    const loc64 = 32 + 1 + String(B).length;
    await fs.flush('dir0', { shortBlocks: false });
    assert.equal(fs.memorySize(), initial - 64 * 1024 + 64 * loc64);
    await fs.flush('', { shortBlocks: false });
    assert.equal(fs.memorySize(), initial - 8 * 64 * 1024 + 8 * 64 * loc64);
    await fs.flush('', { shortBlocks: true });
    assert.equal(fs.memorySize(), initial - 8 * 67 * 1024 + 8 * 64 * loc64 + 8 * 3 * (32 + 1 + 4));
    const again = await CollectionFS.load(await fs.marshalManifest(), { store: new MemoryStore() });
    assert.equal(again.size(), 8 * 67 * 1024);
  });

  it('flush of a file path, a missing path, and root-files-only', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore(), blockSize: 8 });
    await fs.mkdir('d');
    await fs.writeFile('d/x', 'xxx');
    await fs.writeFile('r', 'rrr');
    await assert.rejects(fs.flush('r'), (e: unknown) => isKeepError(e, 'ENOTDIR'));
    await assert.rejects(fs.flush('nope'), (e: unknown) => isKeepError(e, 'ENOENT'));
    const before = fs.memorySize();
    await fs.flush('/', { shortBlocks: true });
    assert.equal(fs.memorySize(), before - 3 + (32 + 2), 'only the root file was flushed');
  });

  it('TestFlushFullBlocksWritingLongFile: background uploads, concurrency bound, one tail segment', async () => {
    const store = new TestStore();
    store.delayMs = 1;
    const fs = await CollectionFS.load('', { store, blockSize: 1024, concurrentWriters: 2 });
    const h = await fs.open('50K', 'w');
    const all: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      const b = Buffer.alloc(500, i);
      all.push(b);
      await h.write(b);
    }
    await fs.whenIdle();
    assert.ok(store.maxInFlight <= 2, `max in flight ${store.maxInFlight}`);
    assert.equal(store.puts, 48);
    assert.equal(fs.memorySize(), 64 + 64 + 48 * (64 + 37) + 64 + 848);
    const m = await fs.marshalManifest();
    assert.match(m, / 0:50000:50K\n$/);
    assert.equal(m.split(' ').length, 1 + 49 + 1);
    assert.deepEqual(await fs.readFile('50K'), Buffer.concat(all));
  });

  it('backpressure: writers wait while all upload slots are busy', async () => {
    const store = new TestStore();
    const g = gate();
    store.gate = g.promise;
    const fs = await CollectionFS.load('', { store, blockSize: 8, concurrentWriters: 2 });
    const h = await fs.open('f', 'w');
    let done = false;
    const w = h.write(Buffer.alloc(40, 7)).then(() => (done = true));
    await tick();
    assert.equal(done, false, 'the write waits for an upload slot');
    assert.equal(store.inFlight, 2);
    g.open();
    await w;
    await fs.whenIdle();
    assert.ok(store.maxInFlight <= 2);
    assert.deepEqual(await fs.readFile('f'), Buffer.alloc(40, 7));
    assert.equal(await fs.marshalManifest(), `. ${md5(Buffer.alloc(8, 7))}+8 ${Array(5).fill("0:8:f").join(" ")}\n`);
  });

  it('TestMaxUnflushed (scaled): flush after each file keeps uploads ≤ concurrentWriters', async () => {
    const store = new TestStore();
    store.delayMs = 2;
    const B = 1024;
    const fs = await CollectionFS.load('', { store, blockSize: B });
    let maxMem = 0;
    await Promise.all(
      Array.from({ length: 8 }, async (_, d) => {
        await fs.mkdir(`dir${d}`);
        for (let i = 0; i < 12; i++) {
          await fs.writeFile(`dir${d}/f${i}`, Buffer.alloc(B, i));
          await fs.flush(`dir${d}`, { shortBlocks: false });
          maxMem = Math.max(maxMem, fs.memorySize());
        }
      }),
    );
    assert.ok(store.maxInFlight <= 4, `max in flight ${store.maxInFlight}`);
    assert.ok(maxMem <= (4 + 8) * B + 8 * 13 * 200, `memory ${maxMem}`);
    const m = await fs.marshalManifest();
    const again = await CollectionFS.load(m, { store });
    assert.deepEqual(await again.readFile('dir5/f7'), Buffer.alloc(B, 7));
  });

  it('TestFlushShort: flush(false), flush(true), marshal for tiny and large files', async () => {
    for (const size of [8, 1_000_000]) {
      const store = new TestStore();
      const fs = await CollectionFS.load('', { store });
      const data = Buffer.alloc(size, 3);
      await fs.writeFile('f', data);
      await fs.flush('', { shortBlocks: false });
      assert.equal(store.puts, size > 32 * 1024 * 1024 ? 1 : 0);
      await fs.flush('', { shortBlocks: true });
      assert.equal(store.puts, 1);
      assert.equal(await fs.marshalManifest(), `. ${md5(data)}+${size} 0:${size}:f\n`);
      assert.equal(store.puts, 1);
    }
  });

  it('failed uploads keep the data, surface from marshal/flush, and succeed on retry', async () => {
    const store = new TestStore();
    store.failAll = true;
    const fs = await CollectionFS.load('', { store, blockSize: 8 });
    await fs.writeFile('a', 'abcdefghijklmnopqrst');
    await fs.writeFile('b', 'xyz');
    await fs.whenIdle();
    assert.ok(fs.pendingErrors.length > 0, 'background failures are recorded');
    await assert.rejects(fs.marshalManifest(), (e: unknown) => isKeepError(e, 'ERR_STORAGE_FULL'));
    await assert.rejects(fs.flush('', { shortBlocks: true }), (e: unknown) => isKeepError(e, 'ERR_STORAGE_FULL'));
    await assert.rejects(fs.sync(), (e: unknown) => isKeepError(e, 'ERR_STORAGE_FULL'));
    assert.equal(await fs.readFile('a', 'utf8'), 'abcdefghijklmnopqrst');
    store.failAll = false;
    store.failNext = 1;
    await assert.rejects(fs.marshalManifest());
    const m = await fs.marshalManifest();
    assert.equal(fs.pendingErrors.length, 0);
    const again = await CollectionFS.load(m, { store });
    assert.equal(await again.readFile('a', 'utf8'), 'abcdefghijklmnopqrst');
    assert.equal(await again.readFile('b', 'utf8'), 'xyz');
  });

  it('TestUnattainableStorageClasses: replicas and classes are passed; store errors surface', async () => {
    const seen: PutOptions[] = [];
    const inner = new MemoryStore();
    const store = {
      get: inner.get.bind(inner),
      async put(data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
        seen.push(options);
        if (options.storageClasses?.includes('unobtainium')) throw new KeepError('ERR_STORAGE_FULL', 'stub does not write storage class "unobtainium"');
        return inner.put(data, options);
      },
    };
    const ok = await CollectionFS.load('', { store, replicas: 3, storageClasses: ['archive'] });
    await ok.writeFile('f', 'x');
    await ok.marshalManifest();
    // adopt: the fs hands its block buffers over (it never modifies them after an upload).
    assert.deepEqual(seen.at(-1), { adopt: true, replicas: 3, storageClasses: ['archive'] });
    const bad = await CollectionFS.load('', { store, storageClasses: ['unobtainium'] });
    await bad.writeFile('f', 'x');
    await assert.rejects(bad.marshalManifest(), /stub does not write storage class "unobtainium"/);
  });

  it('concurrent writers on different files with interleaved flushes', async () => {
    const store = new TestStore();
    store.delayMs = 1;
    const fs = await CollectionFS.load('', { store, blockSize: 10 });
    const model = new Map<string, Buffer>();
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        const name = `w${w}`;
        let content = Buffer.alloc(0);
        const h = await fs.open(name, 'w+');
        for (let i = 0; i < 60; i++) {
          const off = rand(content.length + 5);
          const data = Buffer.alloc(1 + rand(25), 65 + ((w + i) % 26));
          await h.write(data, 0, data.length, off);
          const next = Buffer.alloc(Math.max(content.length, off + data.length));
          content.copy(next);
          data.copy(next, off);
          content = next;
          if (i % 7 === 0) await fs.flush('', { shortBlocks: i % 14 === 0 });
        }
        model.set(name, content);
      }),
    );
    for (const [name, content] of model) assert.deepEqual(await fs.readFile(name), content, name);
    const again = await CollectionFS.load(await fs.marshalManifest(), { store, blockSize: 10 });
    for (const [name, content] of model) assert.deepEqual(await again.readFile(name), content, name);
    assert.ok(store.maxInFlight <= 4);
  });

  it('TestConcurrentWriters: random r/w/seek/truncate/marshal on shared files never fails', async () => {
    const store = new MemoryStore();
    const fs = await CollectionFS.load('', { store, blockSize: 8 });
    let seed = 99;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        const h = await fs.open(`f${rand(4)}`, 'a+');
        for (let i = 0; i < 150; i++) {
          const op = rand(10);
          if (op < 4) await h.write(Buffer.alloc(rand(20), 97 + rand(26)));
          else if (op < 6) await h.read(Buffer.alloc(rand(30)), 0, undefined, rand(40));
          else if (op < 7) h.seek(rand(40), 0);
          else if (op < 8) await h.truncate(rand(40));
          else if (op < 9) await fs.flush('', { shortBlocks: rand(2) === 0 });
          else await fs.marshalManifest();
        }
      }),
    );
    const m = await fs.marshalManifest();
    const again = await CollectionFS.load(m, { store, blockSize: 8 });
    for (let i = 0; i < 4; i++) {
      const name = `f${i}`;
      const exists = await fs.stat(name).then(() => true, () => false);
      if (exists) assert.deepEqual(await again.readFile(name), await fs.readFile(name));
    }
  });

  it('TestFlushAll (scaled): periodic flush("", true) bounds memory while writing 1 MiB', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore(), blockSize: 16 * 1024 });
    let maxMem = 0;
    for (let d = 0; d < 64; d++) {
      await fs.mkdir(`dir${d}`);
      for (let f = 0; f < 2; f++) {
        const h = await fs.open(`dir${d}/file${f}`, 'w');
        for (let k = 0; k < 8; k++) await h.write(Buffer.alloc(1024, d + f + k));
      }
      if (d % 8 === 7) await fs.flush('', { shortBlocks: true });
      maxMem = Math.max(maxMem, fs.memorySize());
    }
    assert.ok(maxMem <= 256 * 1024, `memory ${maxMem}`);
    assert.equal(fs.size(), 64 * 2 * 8 * 1024);
  });
});
