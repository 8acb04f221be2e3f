import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isKeepError } from '../../../src/errors.js';
import type { BlockStore, GetOptions } from '../../../src/blocks/block-store.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { ReadCache } from '../../../src/blocks/read-cache.js';
import { blocksMd5, blocksRandom, blocksTempDir } from '../../helpers/blocks-tmp.js';

/** A MemoryStore that counts gets and can hold them until released. */
class SlowStore extends MemoryStore {
  gets: Array<{ locator: string; options: GetOptions }> = [];
  #gate: Promise<void> = Promise.resolve();
  #open: () => void = () => {};

  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  release(): void {
    this.#open();
  }

  override async get(locator: string, options: GetOptions = {}): Promise<Uint8Array> {
    this.gets.push({ locator, options });
    await this.#gate;
    return super.get(locator, options);
  }
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await blocksTempDir('readcache-unit');
  try {
    await fn(dir);
  } finally {
    await cleanup();
  }
}

async function putAll(store: BlockStore, blocks: Uint8Array[]): Promise<string[]> {
  const out: string[] = [];
  for (const b of blocks) out.push((await store.put(b)).locator);
  return out;
}

describe('ReadCache', () => {
  it('serves repeated reads from memory and counts hits and misses', async () => {
    const backend = new SlowStore();
    const cache = new ReadCache(backend);
    const data = blocksRandom(10_000);
    const { locator } = await cache.put(data);
    assert.deepEqual(await cache.get(locator), data);
    assert.deepEqual(await cache.get(locator, { offset: 100, length: 50 }), data.subarray(100, 150));
    assert.deepEqual(await cache.get(locator), data);
    assert.equal(backend.gets.length, 1);
    const s = cache.stats();
    assert.equal(s.misses, 1);
    assert.equal(s.hits, 2);
    assert.equal(s.fetches, 1);
    assert.equal(s.memoryBytes, 10_000);
    assert.equal(s.memoryBlocks, 1);
  });

  it('returns copies: changing a returned buffer does not change the cache', async () => {
    const cache = new ReadCache(new MemoryStore());
    const data = blocksRandom(100);
    const { locator } = await cache.put(data);
    const a = await cache.get(locator);
    a.fill(0);
    assert.deepEqual(await cache.get(locator), data);
  });

  it('single-flight: concurrent readers of one uncached block trigger one whole-block fetch', async () => {
    const backend = new SlowStore();
    const cache = new ReadCache(backend);
    const data = blocksRandom(1 << 20);
    const { locator } = await backend.put(data);
    backend.hold();
    const reads = [
      cache.get(locator),
      cache.get(locator, { offset: 1000, length: 10 }),
      cache.get(locator, { offset: (1 << 20) - 5 }),
      ...Array.from({ length: 7 }, () => cache.get(locator)),
    ];
    await new Promise((r) => setTimeout(r, 20));
    backend.release();
    const results = await Promise.all(reads);
    assert.equal(backend.gets.length, 1);
    assert.equal(backend.gets[0]?.options.offset, undefined, 'the fetch is for the whole block');
    assert.deepEqual(results[0], data);
    assert.deepEqual(results[1], data.subarray(1000, 1010));
    assert.deepEqual(results[2], data.subarray((1 << 20) - 5));
    assert.equal(cache.stats().fetches, 1);
    assert.equal(cache.stats().misses, 10);
  });

  it('a ranged read of an uncached block fetches the whole block once, later ranges hit', async () => {
    const backend = new SlowStore();
    const cache = new ReadCache(backend);
    const data = blocksRandom(50_000);
    const { locator } = await backend.put(data);
    assert.deepEqual(await cache.get(locator, { offset: 10, length: 10 }), data.subarray(10, 20));
    assert.deepEqual(await cache.get(locator, { offset: 40_000, length: 10_000 }), data.subarray(40_000));
    assert.equal(backend.gets.length, 1);
    assert.deepEqual(backend.gets[0]?.options, {});
  });

  it('an aborted reader stops waiting without cancelling the shared fetch', async () => {
    const backend = new SlowStore();
    const cache = new ReadCache(backend);
    const data = blocksRandom(1000);
    const { locator } = await backend.put(data);
    backend.hold();
    const ac = new AbortController();
    const aborted = cache.get(locator, { signal: ac.signal });
    const patient = cache.get(locator);
    ac.abort();
    await assert.rejects(aborted, (e: unknown) => isKeepError(e, 'ERR_ABORTED'));
    backend.release();
    assert.deepEqual(await patient, data);
    assert.equal(backend.gets.length, 1);
  });

  it('fetch errors reach every waiter and are not cached', async () => {
    const backend = new SlowStore();
    const cache = new ReadCache(backend);
    const loc = `${blocksMd5(new Uint8Array([1]))}+1`;
    backend.hold();
    const a = cache.get(loc);
    const b = cache.get(loc);
    backend.release();
    for (const p of [a, b]) await assert.rejects(p, (e: unknown) => isKeepError(e, 'ERR_BLOCK_NOT_FOUND'));
    assert.equal(backend.gets.length, 1);
    await backend.put(new Uint8Array([1]));
    assert.deepEqual(await cache.get(loc), new Uint8Array([1]));
  });

  it('memory is bounded in bytes with least-recently-used eviction; oversized blocks are not kept', async () => {
    const backend = new SlowStore();
    const cache = new ReadCache(backend, { maxBytes: 3000 });
    const blocks = [blocksRandom(1000), blocksRandom(1000), blocksRandom(1000), blocksRandom(1000)];
    const locs = await putAll(backend, blocks);
    for (const l of locs.slice(0, 3)) await cache.get(l);
    await cache.get(locs[0] as string); // 0 is now the most recent; 1 is the least recent
    await cache.get(locs[3] as string); // evicts 1
    assert.equal(cache.stats().memoryBytes, 3000);
    assert.equal(cache.stats().memoryBlocks, 3);
    const before = backend.gets.length;
    await cache.get(locs[0] as string);
    await cache.get(locs[2] as string);
    assert.equal(backend.gets.length, before, '0 and 2 stayed cached');
    await cache.get(locs[1] as string);
    assert.equal(backend.gets.length, before + 1, '1 was evicted');
    const big = blocksRandom(5000);
    const [bigLoc] = await putAll(backend, [big]);
    assert.deepEqual(await cache.get(bigLoc as string), big);
    assert.ok(cache.stats().memoryBytes <= 3000);
  });

  it('the disk tier serves blocks after memory is cleared and across instances, bounded in bytes', () => withDir(async (dir) => {
    const backend = new SlowStore();
    const diskDir = join(dir, 'cache');
    const cache = new ReadCache(backend, { maxBytes: 1 << 20, diskDir, diskMaxBytes: 2500 });
    const blocks = [blocksRandom(1000), blocksRandom(1000), blocksRandom(1000)];
    const locs = await putAll(backend, blocks);
    for (const l of locs) await cache.get(l);
    const s = cache.stats();
    assert.equal(s.diskBlocks, 2, 'the oldest file was evicted to stay within 2500 bytes');
    assert.equal(s.diskBytes, 2000);
    const h0 = blocksMd5(blocks[0] as Uint8Array);
    const h2 = blocksMd5(blocks[2] as Uint8Array);
    assert.deepEqual((await readdir(join(diskDir, h2.slice(0, 3)))).includes(h2), true);
    assert.deepEqual(await readdir(join(diskDir, 'tmp')), []);
    cache.clearMemory();
    const before = backend.gets.length;
    assert.deepEqual(await cache.get(locs[2] as string, { offset: 10, length: 5 }), (blocks[2] as Uint8Array).subarray(10, 15));
    assert.deepEqual(await cache.get(locs[2] as string), blocks[2]);
    assert.equal(backend.gets.length, before);
    assert.equal(cache.stats().diskHits, 2);
    const other = new ReadCache(backend, { diskDir, diskMaxBytes: 2500 });
    assert.deepEqual(await other.get(locs[1] as string), blocks[1]);
    assert.equal(backend.gets.length, before, 'a new instance finds the cached files');
    await other.get(locs[0] as string);
    assert.equal(backend.gets.length, before + 1, `block 0 (${h0}) was evicted from disk`);
  }));

  it('a corrupt disk-cache file is dropped and the block fetched again', () => withDir(async (dir) => {
    const backend = new SlowStore();
    const diskDir = join(dir, 'cache');
    const cache = new ReadCache(backend, { diskDir });
    const data = blocksRandom(4000);
    const { locator } = await backend.put(data);
    await cache.get(locator);
    const h = blocksMd5(data);
    await writeFile(join(diskDir, h.slice(0, 3), h), blocksRandom(4000));
    cache.clearMemory();
    assert.deepEqual(await cache.get(locator), data);
    assert.equal(backend.gets.length, 2);
  }));

  it('the disk tier keeps the last block even when it exceeds the bound', () => withDir(async (dir) => {
    const backend = new SlowStore();
    const cache = new ReadCache(backend, { diskDir: join(dir, 'c'), diskMaxBytes: 100 });
    const [loc] = await putAll(backend, [blocksRandom(1000)]);
    await cache.get(loc as string);
    assert.equal(cache.stats().diskBlocks, 1);
  }));

  it('getCached serves cached blocks and refuses others with ERR_NOT_CACHED', async () => {
    const backend = new SlowStore();
    const cache = new ReadCache(backend);
    const [a, b] = await putAll(backend, [blocksRandom(10), blocksRandom(11)]);
    await cache.get(a as string);
    assert.equal((await cache.getCached(a as string)).byteLength, 10);
    await assert.rejects(cache.getCached(b as string), (e: unknown) => isKeepError(e, 'ERR_NOT_CACHED'));
    assert.equal(backend.gets.length, 1);
  });

  it('puts pass through; with populateOnPut the block is cached from the put', async () => {
    const backend = new SlowStore();
    const plain = new ReadCache(backend);
    const data = blocksRandom(100);
    const r = await plain.put(data);
    assert.deepEqual(await backend.get(r.locator), data);
    assert.equal(plain.stats().memoryBlocks, 0);
    const populating = new ReadCache(backend, { populateOnPut: true });
    const d2 = blocksRandom(100);
    const r2 = await populating.put(d2);
    d2.fill(1); // the cache kept its own copy
    const gets = backend.gets.length;
    assert.notDeepEqual(await populating.get(r2.locator), d2);
    assert.equal(backend.gets.length, gets);
  });

  it('trash and delete evict the block from the cache', async () => {
    const backend = new SlowStore();
    const cache = new ReadCache(backend);
    const data = blocksRandom(100);
    const { locator } = await backend.put(data);
    await cache.get(locator);
    await cache.trash(locator);
    await assert.rejects(cache.get(locator), (e: unknown) => isKeepError(e, 'ERR_BLOCK_NOT_FOUND'));
    await cache.untrash(locator);
    await cache.get(locator);
    await cache.delete(locator);
    await assert.rejects(cache.get(locator), (e: unknown) => isKeepError(e, 'ERR_BLOCK_NOT_FOUND'));
  });
});
