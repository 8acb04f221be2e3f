/**
 * The BlockStore conformance suite. Every implementation runs it through a two-line runner:
 *
 *   runBlockStoreConformance('MemoryStore', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));
 *
 * `setup` is called once per test, so every test starts with an empty store. Semantics pinned here
 * (beyond block-store.ts):
 * - the locator returned by put starts with `md5+size`; tests read with that locator (so signing
 *   stores can return `+A` hints); missing-block locators pass through `options.signLocator`;
 * - a range past the end of the block is clamped; an offset past the end is ERR_INVALID_ARGUMENT;
 * - a malformed locator is ERR_BAD_LOCATOR;
 * - trash of a missing block is ERR_BLOCK_NOT_FOUND; delete of a missing block resolves;
 * - put never mutates or detaches the caller's buffer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { isKeepError, type KeepErrorCode } from '../../src/errors.js';
import { EMPTY_BLOCK_HASH, MAX_BLOCK_SIZE_BYTES, type BlockInfo, type BlockStore } from '../../src/blocks/block-store.js';
import { readBlockStream } from '../../src/blocks/block-read-stream.js';

export interface BlockStoreConformanceOptions {
  /** `trash()` hides a block from get/head/list (default true). */
  supportsTrash?: boolean;
  /** The store has `untrash(locator)` restoring a trashed block (default false). */
  supportsUntrash?: boolean;
  /** `list()` enumerates stored blocks (default true). */
  supportsList?: boolean;
  /** `touch()` refreshes mtime (default true). */
  supportsTouch?: boolean;
  /** `delete()` removes blocks (default true). */
  supportsDelete?: boolean;
  /** Run the 64 MiB tests (default true). */
  largeBlocks?: boolean;
  /** `list()` reports the 0-byte block after it was put (default true; false for stores that never store it). */
  listsEmptyBlock?: boolean;
  /** Granularity of the store's mtimes in ms; the touch test waits longer than this (default 20). */
  mtimeResolutionMs?: number;
  /** Allowed difference between a store's clock and this process's (default 2000 ms). */
  clockSlackMs?: number;
  /** Turn `md5+size` into a locator the store accepts for blocks not put in this test (default identity). */
  signLocator?: (locator: string) => string;
  /** Per-test timeout (default 120000 ms). */
  timeoutMs?: number;
}

interface UntrashableStore extends BlockStore {
  untrash(locator: string): Promise<void>;
}

type Setup = () => Promise<{ store: BlockStore; cleanup: () => Promise<void> }>;

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** Random bytes in a fresh (non-pooled) buffer. */
function randomBlock(size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (size > 0) out.set(randomBytes(size));
  return out;
}

function bare(locator: string): string {
  const parts = locator.split('+');
  return `${parts[0]}+${parts[1]}`;
}

async function rejectsWith(p: Promise<unknown>, code: KeepErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isKeepError(err, code), `expected KeepError ${code}, got ${String(err)} (${isKeepError(err) ? err.code : 'not a KeepError'})`);
    return true;
  });
}

/** All chunks of a stream, joined; checks each chunk is non-empty. */
async function joined(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) {
    assert.ok(c.byteLength > 0, 'empty chunk');
    parts.push(Uint8Array.from(c));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

async function collect(it: AsyncIterable<BlockInfo>): Promise<BlockInfo[]> {
  const out: BlockInfo[] = [];
  for await (const info of it) out.push(info);
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Register the conformance tests for one BlockStore implementation. */
export function runBlockStoreConformance(name: string, setup: Setup, options: BlockStoreConformanceOptions = {}): void {
  const o = {
    supportsTrash: options.supportsTrash ?? true,
    supportsUntrash: options.supportsUntrash ?? false,
    supportsList: options.supportsList ?? true,
    supportsTouch: options.supportsTouch ?? true,
    supportsDelete: options.supportsDelete ?? true,
    largeBlocks: options.largeBlocks ?? true,
    listsEmptyBlock: options.listsEmptyBlock ?? true,
    mtimeResolutionMs: options.mtimeResolutionMs ?? 20,
    clockSlackMs: options.clockSlackMs ?? 2000,
    signLocator: options.signLocator ?? ((l: string) => l),
    timeoutMs: options.timeoutMs ?? 120_000,
  };
  const t = { timeout: o.timeoutMs };

  /** Run `fn` with a fresh store, always cleaning up. */
  function withStore(fn: (store: BlockStore) => Promise<void>): () => Promise<void> {
    return async () => {
      const { store, cleanup } = await setup();
      try {
        await fn(store);
      } finally {
        await cleanup();
      }
    };
  }

  const missingLocator = (): string => {
    const data = randomBlock(100);
    return o.signLocator(`${md5(data)}+100`);
  };

  describe(`BlockStore conformance: ${name}`, () => {
    describe('put and get', () => {
      it('put returns md5+size and get returns the same bytes', t, withStore(async (store) => {
        const data = randomBlock(100_000);
        const r = await store.put(data);
        assert.equal(bare(r.locator), `${md5(data)}+100000`);
        assert.ok(r.replicas >= 1, `replicas ${r.replicas}`);
        assert.deepEqual(await store.get(r.locator), data);
      }));

      it('put with the correct expected hash succeeds', t, withStore(async (store) => {
        const data = randomBlock(3000);
        const r = await store.put(data, { hash: md5(data) });
        assert.equal(bare(r.locator), `${md5(data)}+3000`);
        assert.deepEqual(await store.get(r.locator), data);
      }));

      it('put does not mutate or detach the caller\'s buffer (small and large)', t, withStore(async (store) => {
        for (const size of [10, 1 << 20]) {
          const data = randomBlock(size);
          const copy = Uint8Array.from(data);
          await store.put(data);
          assert.equal(data.byteLength, size, 'buffer detached');
          assert.deepEqual(data, copy);
        }
      }));

      it('a block put from a view into a larger buffer stores only the view', t, withStore(async (store) => {
        const big = randomBlock(10_000);
        const view = big.subarray(1000, 3000);
        const r = await store.put(view);
        assert.equal(bare(r.locator), `${md5(view)}+2000`);
        assert.deepEqual(await store.get(r.locator), Uint8Array.from(view));
      }));

      it('re-putting a block is idempotent and returns the same locator', t, withStore(async (store) => {
        const data = randomBlock(5000);
        const a = await store.put(data);
        const b = await store.put(data);
        assert.equal(bare(a.locator), bare(b.locator));
        assert.deepEqual(await store.get(b.locator), data);
        if (o.supportsList) {
          const listed = (await collect(store.list(md5(data)))).filter((i) => i.hash === md5(data));
          assert.equal(listed.length, 1);
        }
      }));

      it('stores and reads the 0-byte block', t, withStore(async (store) => {
        const r = await store.put(new Uint8Array(0));
        assert.equal(bare(r.locator), `${EMPTY_BLOCK_HASH}+0`);
        const got = await store.get(r.locator);
        assert.equal(got.byteLength, 0);
        const info = await store.head(r.locator);
        assert.equal(info.size, 0);
        assert.equal(info.hash, EMPTY_BLOCK_HASH);
        if (o.supportsList && o.listsEmptyBlock) {
          const listed = await collect(store.list(EMPTY_BLOCK_HASH.slice(0, 4)));
          assert.deepEqual(listed.map((i) => [i.hash, i.size]), [[EMPTY_BLOCK_HASH, 0]]);
        }
      }));

      it('many different blocks are kept apart', t, withStore(async (store) => {
        const blocks = Array.from({ length: 20 }, (_, i) => randomBlock(1 + i * 997));
        const results = await Promise.all(blocks.map((b) => store.put(b)));
        for (let i = 0; i < blocks.length; i++) {
          const b = blocks[i] as Uint8Array;
          const r = results[i];
          assert.ok(r);
          assert.equal(bare(r.locator), `${md5(b)}+${b.byteLength}`);
          assert.deepEqual(await store.get(r.locator), b);
        }
      }));

      it('concurrent puts of the same block all succeed and store one block', t, withStore(async (store) => {
        const data = randomBlock(1 << 20);
        const results = await Promise.all(Array.from({ length: 8 }, () => store.put(Uint8Array.from(data))));
        for (const r of results) assert.equal(bare(r.locator), `${md5(data)}+${data.byteLength}`);
        assert.deepEqual(await store.get(results[0]?.locator ?? ''), data);
        if (o.supportsList) {
          const listed = (await collect(store.list(md5(data).slice(0, 6)))).filter((i) => i.hash === md5(data));
          assert.equal(listed.length, 1);
          assert.equal(listed[0]?.size, data.byteLength);
        }
      }));
    });

    // Stores with their own `readStream` are tested through it; others through the `get` fallback.
    describe('readStream (readBlockStream)', () => {
      it('streams the whole block with its size; the 0-byte block has no chunks', t, withStore(async (store) => {
        for (const size of [1, 100_000, 3 * 1024 * 1024 + 7, 0]) {
          const data = randomBlock(size);
          const r = await store.put(data);
          const stream = await readBlockStream(store, r.locator);
          assert.equal(stream.size, size);
          assert.deepEqual(await joined(stream.chunks), data);
        }
      }));

      it('a missing block is ERR_BLOCK_NOT_FOUND (from the open or the first chunk)', t, withStore(async (store) => {
        await rejectsWith((async () => {
          const stream = await readBlockStream(store, missingLocator());
          await joined(stream.chunks);
        })(), 'ERR_BLOCK_NOT_FOUND');
      }));

      it('an aborted signal is ERR_ABORTED', t, withStore(async (store) => {
        const r = await store.put(randomBlock(1000));
        const ac = new AbortController();
        ac.abort();
        await rejectsWith((async () => {
          const stream = await readBlockStream(store, r.locator, { signal: ac.signal });
          await joined(stream.chunks);
        })(), 'ERR_ABORTED');
      }));

      it('stopping early releases the stream; the block reads again afterwards', t, withStore(async (store) => {
        const data = randomBlock(3 * 1024 * 1024);
        const r = await store.put(data);
        for (let i = 0; i < 3; i++) {
          const stream = await readBlockStream(store, r.locator);
          for await (const c of stream.chunks) {
            assert.ok(c.byteLength > 0);
            break;
          }
        }
        assert.deepEqual(await joined((await readBlockStream(store, r.locator)).chunks), data);
      }));
    });

    describe('ranged get', () => {
      it('returns exactly the requested ranges', t, withStore(async (store) => {
        const data = randomBlock(10_000);
        const { locator } = await store.put(data);
        const cases: Array<[number, number]> = [[0, 1], [0, 10_000], [1, 9_999], [4321, 1234], [9_999, 1], [5000, 0]];
        for (const [offset, length] of cases) {
          const got = await store.get(locator, { offset, length });
          assert.deepEqual(got, data.subarray(offset, offset + length), `range ${offset}+${length}`);
        }
      }));

      it('offset without length reads to the end; length past the end is clamped', t, withStore(async (store) => {
        const data = randomBlock(4096);
        const { locator } = await store.put(data);
        assert.deepEqual(await store.get(locator, { offset: 4000 }), data.subarray(4000));
        assert.deepEqual(await store.get(locator, { offset: 4000, length: 500 }), data.subarray(4000));
        assert.equal((await store.get(locator, { offset: 4096 })).byteLength, 0);
      }));

      it('an offset past the end is ERR_INVALID_ARGUMENT', t, withStore(async (store) => {
        const data = randomBlock(100);
        const { locator } = await store.put(data);
        await rejectsWith(store.get(locator, { offset: 101, length: 1 }), 'ERR_INVALID_ARGUMENT');
      }));

      it('ranged reads of a missing block are ERR_BLOCK_NOT_FOUND', t, withStore(async (store) => {
        await rejectsWith(store.get(missingLocator(), { offset: 10, length: 10 }), 'ERR_BLOCK_NOT_FOUND');
      }));
    });

    describe('errors', () => {
      it('a missing block is ERR_BLOCK_NOT_FOUND for get and head', t, withStore(async (store) => {
        const loc = missingLocator();
        await rejectsWith(store.get(loc), 'ERR_BLOCK_NOT_FOUND');
        await rejectsWith(store.head(loc), 'ERR_BLOCK_NOT_FOUND');
      }));

      it('a malformed locator is ERR_BAD_LOCATOR', t, withStore(async (store) => {
        await rejectsWith(store.get('not-a-locator'), 'ERR_BAD_LOCATOR');
        await rejectsWith(store.head('ACBD18DB4CC2F85CEDEF654FCCC4A4D8+3'), 'ERR_BAD_LOCATOR');
      }));

      it('data that does not match the given hash is refused with ERR_HASH_MISMATCH and not stored', t, withStore(async (store) => {
        const data = randomBlock(2000);
        const other = randomBlock(2000);
        const claimed = md5(other);
        await rejectsWith(store.put(data, { hash: claimed }), 'ERR_HASH_MISMATCH');
        await rejectsWith(store.get(o.signLocator(`${claimed}+2000`)), 'ERR_BLOCK_NOT_FOUND');
        await rejectsWith(store.get(o.signLocator(`${md5(data)}+2000`)), 'ERR_BLOCK_NOT_FOUND');
      }));

      it('a block of 64 MiB + 1 byte is refused with ERR_BLOCK_TOO_LARGE', t, withStore(async (store) => {
        await rejectsWith(store.put(new Uint8Array(MAX_BLOCK_SIZE_BYTES + 1)), 'ERR_BLOCK_TOO_LARGE');
      }));

      it('an already aborted signal rejects every operation with ERR_ABORTED', t, withStore(async (store) => {
        const data = randomBlock(1000);
        const { locator } = await store.put(data);
        const signal = AbortSignal.abort(new Error('test abort'));
        await rejectsWith(store.put(randomBlock(1000), { signal }), 'ERR_ABORTED');
        await rejectsWith(store.put(randomBlock(1 << 20), { signal }), 'ERR_ABORTED');
        await rejectsWith(store.get(locator, { signal }), 'ERR_ABORTED');
        await rejectsWith(store.get(locator, { signal, offset: 1, length: 2 }), 'ERR_ABORTED');
        await rejectsWith(store.head(locator, { signal }), 'ERR_ABORTED');
        if (o.supportsTouch) await rejectsWith(store.touch(locator, { signal }), 'ERR_ABORTED');
        if (o.supportsList) await rejectsWith(collect(store.list('', { signal })), 'ERR_ABORTED');
        // The aborted operations changed nothing.
        assert.deepEqual(await store.get(locator), data);
      }));

      it('aborting during a put either completes the put or rejects with ERR_ABORTED', t, withStore(async (store) => {
        const data = randomBlock(4 << 20);
        const ac = new AbortController();
        const p = store.put(data, { signal: ac.signal });
        ac.abort(new Error('test abort'));
        let stored: string | undefined;
        try {
          stored = (await p).locator;
        } catch (err) {
          assert.ok(isKeepError(err, 'ERR_ABORTED'), `expected ERR_ABORTED, got ${String(err)}`);
        }
        if (stored !== undefined) {
          assert.deepEqual(await store.get(stored), data);
        } else {
          // Either absent or complete: never a partial block.
          try {
            assert.deepEqual(await store.get(o.signLocator(`${md5(data)}+${data.byteLength}`)), data);
          } catch (err) {
            assert.ok(isKeepError(err, 'ERR_BLOCK_NOT_FOUND'), `expected ERR_BLOCK_NOT_FOUND, got ${String(err)}`);
          }
        }
      }));
    });

    describe('head', () => {
      it('reports hash, size and a current mtime', t, withStore(async (store) => {
        const before = Date.now();
        const data = randomBlock(777);
        const { locator } = await store.put(data);
        const after = Date.now();
        const info = await store.head(locator);
        assert.equal(info.hash, md5(data));
        assert.equal(info.size, 777);
        assert.ok(info.mtimeMs >= before - o.clockSlackMs && info.mtimeMs <= after + o.clockSlackMs, `mtime ${info.mtimeMs} not in [${before}, ${after}]`);
      }));
    });

    if (o.largeBlocks) {
      describe('64 MiB blocks', () => {
        it('stores and reads a block of exactly 64 MiB, whole and by range', t, withStore(async (store) => {
          const data = randomBlock(MAX_BLOCK_SIZE_BYTES);
          const hash = md5(data);
          const r = await store.put(data);
          assert.equal(bare(r.locator), `${hash}+${MAX_BLOCK_SIZE_BYTES}`);
          const got = await store.get(r.locator);
          assert.equal(got.byteLength, MAX_BLOCK_SIZE_BYTES);
          assert.equal(md5(got), hash);
          const tail = await store.get(r.locator, { offset: MAX_BLOCK_SIZE_BYTES - 1000, length: 1000 });
          assert.deepEqual(tail, data.subarray(MAX_BLOCK_SIZE_BYTES - 1000));
          assert.equal((await store.head(r.locator)).size, MAX_BLOCK_SIZE_BYTES);
        }));
      });
    }

    if (o.supportsList) {
      describe('list', () => {
        it('lists every stored block with its size, and filters by prefix', t, withStore(async (store) => {
          const blocks = Array.from({ length: 12 }, (_, i) => randomBlock(100 + i));
          for (const b of blocks) await store.put(b);
          const all = await collect(store.list());
          const expected = new Map(blocks.map((b) => [md5(b), b.byteLength]));
          assert.equal(all.length, blocks.length);
          for (const info of all) {
            assert.equal(expected.get(info.hash), info.size, `listed ${info.hash}`);
            assert.ok(Number.isFinite(info.mtimeMs) && info.mtimeMs > 0);
          }
          const first = md5(blocks[0] as Uint8Array);
          for (const len of [1, 2, 3, 5, 32]) {
            const prefix = first.slice(0, len);
            const listed = await collect(store.list(prefix));
            const want = [...expected.keys()].filter((h) => h.startsWith(prefix)).sort();
            assert.deepEqual(listed.map((i) => i.hash).sort(), want, `prefix ${prefix}`);
          }
        }));

        it('lists nothing in an empty store or for an unmatched prefix', t, withStore(async (store) => {
          assert.deepEqual(await collect(store.list()), []);
          const data = randomBlock(10);
          await store.put(data);
          const h = md5(data);
          const other = (h[0] === 'f' ? '0' : 'f') + h.slice(1, 8);
          assert.deepEqual(await collect(store.list(other)), []);
        }));
      });
    }

    if (o.supportsTouch) {
      describe('touch', () => {
        it('touch refreshes the mtime', t, withStore(async (store) => {
          const { locator } = await store.put(randomBlock(100));
          const first = (await store.head(locator)).mtimeMs;
          await sleep(o.mtimeResolutionMs * 2 + 5);
          await store.touch(locator);
          const second = (await store.head(locator)).mtimeMs;
          assert.ok(second > first, `mtime ${second} not after ${first}`);
        }));

        it('re-putting a block refreshes its mtime', t, withStore(async (store) => {
          const data = randomBlock(100);
          const { locator } = await store.put(data);
          const first = (await store.head(locator)).mtimeMs;
          await sleep(o.mtimeResolutionMs * 2 + 5);
          await store.put(data);
          assert.ok((await store.head(locator)).mtimeMs > first);
        }));

        it('touching a missing block is ERR_BLOCK_NOT_FOUND', t, withStore(async (store) => {
          await rejectsWith(store.touch(missingLocator()), 'ERR_BLOCK_NOT_FOUND');
        }));
      });
    }

    if (o.supportsTrash) {
      describe('trash', () => {
        it('a trashed block is gone from get, head and list; others stay', t, withStore(async (store) => {
          const a = randomBlock(300);
          const b = randomBlock(301);
          const ra = await store.put(a);
          const rb = await store.put(b);
          await store.trash(ra.locator);
          await rejectsWith(store.get(ra.locator), 'ERR_BLOCK_NOT_FOUND');
          await rejectsWith(store.head(ra.locator), 'ERR_BLOCK_NOT_FOUND');
          assert.deepEqual(await store.get(rb.locator), b);
          if (o.supportsList) assert.deepEqual((await collect(store.list())).map((i) => i.hash), [md5(b)]);
        }));

        it('a trashed block can be put again', t, withStore(async (store) => {
          const a = randomBlock(300);
          const r = await store.put(a);
          await store.trash(r.locator);
          const again = await store.put(a);
          assert.deepEqual(await store.get(again.locator), a);
        }));

        it('trashing a missing block is ERR_BLOCK_NOT_FOUND', t, withStore(async (store) => {
          await rejectsWith(store.trash(missingLocator()), 'ERR_BLOCK_NOT_FOUND');
        }));

        if (o.supportsUntrash) {
          it('untrash restores a trashed block', t, withStore(async (store) => {
            const a = randomBlock(300);
            const r = await store.put(a);
            await store.trash(r.locator);
            await (store as UntrashableStore).untrash(r.locator);
            assert.deepEqual(await store.get(r.locator), a);
            if (o.supportsList) assert.deepEqual((await collect(store.list())).map((i) => i.hash), [md5(a)]);
          }));

          it('untrash of a block that is not in the trash is ERR_BLOCK_NOT_FOUND', t, withStore(async (store) => {
            await rejectsWith((store as UntrashableStore).untrash(missingLocator()), 'ERR_BLOCK_NOT_FOUND');
          }));
        }
      });
    }

    if (o.supportsDelete) {
      describe('delete', () => {
        it('a deleted block is gone; deleting again or deleting a missing block resolves', t, withStore(async (store) => {
          const a = randomBlock(400);
          const r = await store.put(a);
          await store.delete(r.locator);
          await rejectsWith(store.get(r.locator), 'ERR_BLOCK_NOT_FOUND');
          await rejectsWith(store.head(r.locator), 'ERR_BLOCK_NOT_FOUND');
          if (o.supportsList) assert.deepEqual(await collect(store.list()), []);
          await store.delete(r.locator);
          await store.delete(missingLocator());
        }));

        it('a deleted block can be put again', t, withStore(async (store) => {
          const a = randomBlock(400);
          const r = await store.put(a);
          await store.delete(r.locator);
          const again = await store.put(a);
          assert.deepEqual(await store.get(again.locator), a);
        }));
      });
    }
  });
}
