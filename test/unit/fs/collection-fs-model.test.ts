// Randomized model test: random operation sequences checked against plain in-memory buffers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { isKeepError } from '../../../src/errors.js';

const NAMES = ['a', 'b', 'd/c', 'd/e', 'd/f g'];

function prng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

function randomBytes(rand: (n: number) => number, len: number): Buffer {
  const b = Buffer.alloc(len);
  const base = rand(200);
  for (let i = 0; i < len; i++) b[i] = (base + i * 7) & 0xff;
  return b;
}

async function checkAll(fs: CollectionFS, model: Map<string, Buffer>, where: string): Promise<void> {
  for (const name of NAMES) {
    const want = model.get(name);
    if (want === undefined) {
      await assert.rejects(fs.stat(name), (e: unknown) => isKeepError(e, 'ENOENT'), `${where}: ${name} should not exist`);
    } else {
      assert.deepEqual(await fs.readFile(name), want, `${where}: content of ${name}`);
      assert.equal((await fs.stat(name)).size, want.length);
    }
  }
  let total = 0;
  for (const b of model.values()) total += b.length;
  assert.equal(fs.size(), total, `${where}: size()`);
}

async function runSequence(seed: number, blockSize: number, steps: number): Promise<void> {
  const rand = prng(seed);
  const store = new MemoryStore();
  let fs = await CollectionFS.load('', { store, blockSize });
  await fs.mkdir('d');
  const model = new Map<string, Buffer>();
  const pick = (): string => NAMES[rand(NAMES.length)] as string;
  // Paths go in as strings or, a quarter of the time, as Buffers (node:fs allows both).
  const arg = (path: string): string | Buffer => (rand(4) === 0 ? Buffer.from(path) : path);
  for (let step = 0; step < steps; step++) {
    const where = `seed ${seed} bs ${blockSize} step ${step}`;
    const op = rand(100);
    const name = pick();
    const cur = model.get(name);
    if (op >= 25 && op < 40) {
      // writeFile replaces (a new small file takes the slab-range fast path); appendFile extends.
      const data = randomBytes(rand, rand(2 * blockSize + 1));
      if (rand(3) === 0) {
        await fs.appendFile(arg(name), data);
        model.set(name, Buffer.concat([cur ?? Buffer.alloc(0), data]));
      } else {
        await fs.writeFile(arg(name), data);
        model.set(name, data);
      }
    } else if (op < 40) {
      const off = rand((cur?.length ?? 0) + 2 * blockSize + 1);
      const data = randomBytes(rand, rand(3 * blockSize + 1));
      const h = await fs.open(arg(name), 'r+').catch(() => fs.open(arg(name), 'w+'));
      await h.write(data, 0, data.length, off);
      const next = Buffer.alloc(Math.max(cur?.length ?? 0, off + data.length));
      cur?.copy(next);
      data.copy(next, off);
      model.set(name, next);
    } else if (op < 52) {
      const size = rand((cur?.length ?? 0) + 2 * blockSize + 1);
      if (cur === undefined) {
        await assert.rejects(fs.truncate(arg(name), size), (e: unknown) => isKeepError(e, 'ENOENT'), where);
      } else {
        await fs.truncate(arg(name), size);
        const next = Buffer.alloc(size);
        cur.copy(next, 0, 0, Math.min(size, cur.length));
        model.set(name, next);
      }
    } else if (op < 60) {
      const to = pick();
      if (cur === undefined) {
        await assert.rejects(fs.rename(arg(name), arg(to)), (e: unknown) => isKeepError(e, 'ENOENT'), where);
      } else {
        await fs.rename(arg(name), arg(to));
        model.delete(name);
        model.set(to, cur);
      }
    } else if (op < 70) {
      const path = ['', 'd', '/', 'd/'][rand(4)] as string;
      await fs.flush(path, { shortBlocks: rand(2) === 0 });
    } else if (op < 78) {
      const to = pick();
      if (cur === undefined) {
        await assert.rejects(fs.snapshot(arg(name)), (e: unknown) => isKeepError(e, 'ENOENT'), where);
      } else if (rand(2) === 0) {
        await fs.splice(arg(to), await fs.snapshot(arg(name)));
        model.set(to, Buffer.from(cur));
      } else {
        await fs.copyFile(arg(name), arg(to));
        model.set(to, Buffer.from(cur));
      }
    } else if (op < 83) {
      if (cur === undefined) await assert.rejects(fs.unlink(arg(name)), (e: unknown) => isKeepError(e, 'ENOENT'), where);
      else {
        await fs.unlink(arg(name));
        model.delete(name);
      }
    } else if (op < 90) {
      const manifest = await fs.marshalManifest();
      const reloaded = await CollectionFS.load(manifest, { store, blockSize });
      assert.equal(await reloaded.marshalManifest(), manifest, `${where}: reload round trip`);
      await checkAll(reloaded, model, `${where} (reloaded)`);
      if (rand(2) === 0) fs = reloaded;
    } else if (cur !== undefined) {
      const off = rand(cur.length + 1);
      const len = rand(cur.length + blockSize);
      const { bytesRead, buffer } = await (await fs.open(name)).read(Buffer.alloc(len), 0, len, off);
      assert.deepEqual(buffer.subarray(0, bytesRead), cur.subarray(off, off + len), `${where}: read ${name} @${off}+${len}`);
    }
    await fs.whenIdle();
  }
  await checkAll(fs, model, `seed ${seed} bs ${blockSize} end`);
  const reloaded = await CollectionFS.load(await fs.marshalManifest(), { store, blockSize });
  await checkAll(reloaded, model, `seed ${seed} bs ${blockSize} final reload`);
}

describe('CollectionFS randomized model test', () => {
  for (const blockSize of [8, 10, 40, 1024]) {
    it(`500 random sequences of 30 ops with blockSize ${blockSize}`, async () => {
      for (let seed = 1; seed <= 500; seed++) await runSequence(seed * 7919 + blockSize, blockSize, 30);
    });
  }
});
