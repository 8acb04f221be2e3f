import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isKeepError } from '../../../src/errors.js';
import type { BlockStore, GetOptions, PutOptions, PutResult } from '../../../src/blocks/block-store.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { MemoryCollectionSource } from '../../../src/fs/collection-source.js';
import { planRepack, type RepackSegment } from '../../../src/fs/repack-plan.js';
import { mappingPairs, mergePendingRepack, repackData, toReplaceSegmentsRecord } from '../../../src/fs/repack-data.js';
import { planSegmentReplacement, segmentKey, type BlockSegment } from '../../../src/fs/replace-segments.js';

const M = 1_000_000;
const MiB = 1 << 20;

/** A distinct fake block: hash from the name, whole-block segment. */
function block(name: string, size: number, hints = ''): RepackSegment {
  const hash = createHash('md5').update(name).digest('hex');
  return { locator: `${hash}+${size}${hints}`, blockSize: size, offset: 0, length: size };
}
const names = (plan: RepackSegment[][], blocks: Record<string, RepackSegment>): string[][] => {
  const byLoc = new Map(Object.entries(blocks).map(([n, b]) => [b.locator, n]));
  return plan.map((g) => g.map((s) => byLoc.get(s.locator) ?? '?'));
};

describe('planRepack() — reference TestPlanRepack table (full mode)', () => {
  const cases: Array<{ name: string; sizes: Record<string, number>; walk?: string[]; cached?: string[]; expect: string[][] }> = [
    { name: '2x32M', sizes: { a: 32 * M, b: 32 * M }, expect: [['a', 'b']] },
    { name: '2x32M cached', sizes: { a: 32 * M, b: 32 * M }, cached: ['a', 'b'], expect: [['a', 'b']] },
    { name: '2x32M one cached', sizes: { a: 32 * M, b: 32 * M }, cached: ['a'], expect: [] },
    { name: '3x32M two cached', sizes: { a: 32 * M, b: 32 * M, c: 32 * M }, cached: ['a', 'c'], expect: [['a', 'c']] },
    { name: '2x32Mi (not below maxIn)', sizes: { a: 32 * MiB, b: 32 * MiB }, expect: [] },
    { name: '2x32Mi minus 1', sizes: { a: 32 * MiB - 1, b: 32 * MiB - 1 }, expect: [['a', 'b']] },
    { name: '3x32M (c would overflow, alone < minOut)', sizes: { a: 32 * M, b: 32 * M, c: 32 * M }, expect: [['a', 'b']] },
    { name: '3x42M (each more than half full)', sizes: { a: 42 * M, b: 42 * M, c: 42 * M }, expect: [] },
    { name: 'premature (3x123 bytes)', sizes: { a: 123, b: 123, c: 123 }, expect: [] },
    {
      name: '4x22M non-adjacent',
      sizes: { a: 22 * M, b: 44 * M, c: 22 * M, d: 44 * M, e: 22 * M, f: 44 * M, g: 22 * M },
      expect: [['a', 'c', 'e']],
    },
    {
      name: '2x22M duplicate block',
      sizes: { a: 22 * M, b: 22 * M, c: 22 * M },
      walk: ['a', 'b', 'a', 'c'],
      expect: [['a', 'b', 'c']],
    },
    { name: '2x22M duplicate block too short', sizes: { a: 22 * M, b: 1 }, walk: ['a', 'b', 'a'], expect: [] },
    { name: 'siblings together (walk order a, c, b)', sizes: { a: 15 * M, b: 15 * M, c: 15 * M }, walk: ['a', 'c', 'b'], expect: [['a', 'c', 'b']] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const blocks = Object.fromEntries(Object.entries(c.sizes).map(([n, s]) => [n, block(n, s)]));
      const walk = (c.walk ?? Object.keys(c.sizes)).map((n) => blocks[n] as RepackSegment);
      const cached = new Set((c.cached ?? []).map((n) => (blocks[n] as RepackSegment).locator));
      const plan = planRepack(walk, c.cached ? { full: true, cachedOnly: true, isCached: (l) => cached.has(l) } : { full: true });
      assert.deepEqual(names(plan, blocks), c.expect);
    });
  }
});

describe('planRepack() — normal mode', () => {
  const many = (n: number, size: number): RepackSegment[] => Array.from({ length: n }, (_, i) => block(`b${i}`, size));
  it('40 blocks of 100 B make one group of 40', () => {
    const plan = planRepack(many(40, 100));
    assert.equal(plan.length, 1);
    assert.equal(plan[0]?.length, 40);
  });
  it('11 blocks of 100 B make one group (1100 B ≥ 1 KiB)', () => {
    assert.deepEqual(planRepack(many(11, 100)).map((g) => g.length), [11]);
  });
  it('5 blocks of 100 B make no group', () => {
    assert.deepEqual(planRepack(many(5, 100)), []);
  });
  it('full mode does not merge small blocks that normal mode merges below 32 MiB total', () => {
    assert.deepEqual(planRepack(many(40, 100), { full: true }), []);
  });
  it('blocks land in the first bucket that reaches minOut; bigger buckets are planned first', () => {
    // 5 × 7 MiB (bucket 8MiB→32MiB) and 20 × 1 MiB (bucket 2MiB→16MiB; also in the first bucket).
    const big = Array.from({ length: 5 }, (_, i) => block(`big${i}`, 7 * MiB));
    const small = Array.from({ length: 20 }, (_, i) => block(`small${i}`, MiB));
    const plan = planRepack([...big, ...small]);
    // First bucket: 5×7 MiB + 20×1 MiB = 55 MiB ≤ 64 MiB, ≥ 32 MiB → one group with everything.
    assert.deepEqual(plan.map((g) => g.length), [25]);
  });
  it('cachedOnly without isCached plans nothing', () => {
    assert.deepEqual(planRepack(many(40, 100), { cachedOnly: true }), []);
  });
});

describe('planRepack() — segments of planned blocks', () => {
  it('lists every distinct segment of a planned block in walk order, duplicates once', () => {
    const a = block('a', 20 * M);
    const b = block('b', 20 * M);
    const aSigned = { ...a, locator: `${a.locator}+A${'1'.repeat(40)}@7fffffff` };
    const walk: RepackSegment[] = [
      { ...a, offset: 0, length: 5 },
      { ...b, offset: 10, length: 7 },
      { ...a, offset: 5, length: 10 },
      { ...a, offset: 0, length: 5 },
      { ...aSigned, offset: 0, length: 5 },
    ];
    const plan = planRepack(walk, { full: true });
    assert.equal(plan.length, 1);
    assert.deepEqual(plan[0], [walk[0], walk[1], walk[2], walk[4]]);
  });
  it('cachedOnly: a block counts when any of its segments is cached, and then all its segments are listed', () => {
    const a = block('a', 20 * M);
    const b = block('b', 20 * M);
    const aOther = { ...a, locator: `${a.locator}+K@xyzzy`, offset: 3, length: 4 };
    const cached = new Set([aOther.locator, b.locator]);
    const plan = planRepack([a, b, aOther], { full: true, cachedOnly: true, isCached: (l) => cached.has(l) });
    assert.deepEqual(plan, [[a, b, aOther]]);
  });
  it('zero-size blocks are planned with their bucket like any other', () => {
    const blocks = [block('z', 0), ...Array.from({ length: 11 }, (_, i) => block(`s${i}`, 100)), block('z', 0)];
    const plan = planRepack(blocks);
    assert.equal(plan.length, 1);
    assert.equal(plan[0]?.length, 12);
  });
  it('an oversize single block makes an empty group (reference quirk with a small maxBlockSize)', () => {
    const plan = planRepack([block('a', 100), block('b', 100)], { full: true, maxBlockSize: 50 });
    // a alone overflows 50: an empty pending group is emitted, then a; b overflows: a is emitted.
    assert.deepEqual(plan.map((g) => g.length), [0, 1]);
  });
});

/** A store wrapper that records puts and can fail them. */
class SpyStore implements Pick<BlockStore, 'get' | 'put'> {
  puts: Uint8Array[] = [];
  failPut: Error | undefined;
  constructor(readonly inner: MemoryStore) {}
  get(locator: string, options?: GetOptions): Promise<Uint8Array> {
    return this.inner.get(locator, options);
  }
  async put(data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    if (this.failPut) throw this.failPut;
    this.puts.push(data);
    return this.inner.put(data, options);
  }
}

async function storeBlocks(store: MemoryStore, contents: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const c of contents) out.push((await store.put(Buffer.from(c))).locator);
  return out;
}
const sized = (locator: string, offset: number, length: number): RepackSegment => ({
  locator,
  blockSize: Number(locator.split('+')[1]),
  offset,
  length,
});

async function checkMapping(store: MemoryStore, plan: RepackSegment[][], mapping: Map<string, BlockSegment>): Promise<void> {
  for (const group of plan) {
    for (const seg of group) {
      const repl = mapping.get(segmentKey(seg.locator, seg.offset, seg.length));
      assert.ok(repl, `segment ${seg.locator} ${seg.offset} ${seg.length} is mapped`);
      assert.equal(repl.length, seg.length);
      const want = await store.get(seg.locator, { offset: seg.offset, length: seg.length });
      const got = seg.length === 0 ? new Uint8Array(0) : await store.get(repl.locator, { offset: repl.offset, length: repl.length });
      assert.deepEqual(Buffer.from(got), Buffer.from(want));
    }
  }
}

describe('repackData() — TestRepackData trials', () => {
  it('merges only the referenced bytes of each group, one block per group', async () => {
    const mem = new MemoryStore();
    const store = new SpyStore(mem);
    const [a, b, c, d] = await storeBlocks(mem, ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc', 'dddddddddd']);
    const plan = [
      [sized(a as string, 0, 3), sized(b as string, 2, 5), sized(a as string, 7, 3)],
      [sized(c as string, 0, 10), sized(d as string, 9, 1), sized(d as string, 0, 2)],
    ];
    const mapping = await repackData(plan, store);
    assert.equal(mapping.size, 6);
    assert.deepEqual(store.puts.map((p) => Buffer.from(p).toString()), ['aaabbbbbaaa', 'ccccccccccddd']);
    await checkMapping(mem, plan, mapping);
    assert.deepEqual(mapping.get(segmentKey(d as string, 0, 2))?.offset, 11);
  });

  it('a nil plan writes nothing', async () => {
    const store = new SpyStore(new MemoryStore());
    assert.equal((await repackData([], store)).size, 0);
    assert.equal(store.puts.length, 0);
  });

  it('includes zero-length segments in the mapping', async () => {
    const mem = new MemoryStore();
    const [a, b] = await storeBlocks(mem, ['0123456789', 'abcdefghij']);
    const plan = [[sized(a as string, 0, 4), sized(a as string, 4, 0), sized(b as string, 1, 3), sized(b as string, 9, 1)]];
    const mapping = await repackData(plan, mem);
    assert.equal(mapping.size, 4);
    assert.deepEqual(mapping.get(segmentKey(a as string, 4, 0)), { locator: mapping.get(segmentKey(a as string, 0, 4))?.locator, offset: 4, length: 0 });
    await checkMapping(mem, plan, mapping);
  });

  it('an empty group maps nothing and writes nothing', async () => {
    const store = new SpyStore(new MemoryStore());
    assert.equal((await repackData([[]], store)).size, 0);
    assert.equal(store.puts.length, 0);
  });

  it('a single-segment group gives one entry', async () => {
    const mem = new MemoryStore();
    const [a] = await storeBlocks(mem, ['hello world']);
    const plan = [[sized(a as string, 6, 5)]];
    const mapping = await repackData(plan, mem);
    assert.equal(mapping.size, 1);
    await checkMapping(mem, plan, mapping);
  });

  it('a read error (missing block) propagates', async () => {
    const mem = new MemoryStore();
    const missing = `${'0'.repeat(32)}+5`;
    await assert.rejects(repackData([[sized(missing, 0, 5)]], mem), (e: unknown) => isKeepError(e, 'ERR_BLOCK_NOT_FOUND'));
  });

  it('a group larger than the maximum block size is refused before reading', async () => {
    const mem = new MemoryStore();
    const plan = [[sized(`${'1'.repeat(32)}+40000000`, 0, 40 * M), sized(`${'2'.repeat(32)}+30000000`, 0, 30 * M)]];
    await assert.rejects(repackData(plan, mem), (e: unknown) => {
      assert.ok(isKeepError(e, 'ERR_BLOCK_TOO_LARGE'));
      assert.equal((e as Error).message, 'combined length 70000000 would exceed maximum block size 67108864');
      return true;
    });
    await assert.rejects(repackData([[sized(`${'1'.repeat(32)}+8`, 0, 8), sized(`${'2'.repeat(32)}+4`, 0, 4)]], mem, { maxBlockSize: 10 }), {
      message: 'combined length 12 would exceed maximum block size 10',
    });
  });

  it('a write error propagates', async () => {
    const mem = new MemoryStore();
    const [a, b] = await storeBlocks(mem, ['xx', 'yy']);
    const store = new SpyStore(mem);
    store.failPut = new Error('stub write error');
    await assert.rejects(repackData([[sized(a as string, 0, 2), sized(b as string, 0, 2)]], store), { message: 'stub write error' });
  });

  it('an aborted signal stops the work', async () => {
    const mem = new MemoryStore();
    const [a, b] = await storeBlocks(mem, ['xx', 'yy']);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(repackData([[sized(a as string, 0, 2), sized(b as string, 0, 2)]], mem, { signal: ac.signal }), (e: unknown) =>
      isKeepError(e, 'ERR_ABORTED'),
    );
  });

  it('uses a custom segment reader when given', async () => {
    const mem = new MemoryStore();
    const seen: string[] = [];
    const plan = [[sized(`${'3'.repeat(32)}+3`, 0, 3), sized(`${'4'.repeat(32)}+3`, 1, 2)]];
    const mapping = await repackData(plan, mem, {
      readSegment: async (seg) => {
        seen.push(seg.locator);
        return Buffer.alloc(seg.length, seg.locator[0]);
      },
    });
    assert.equal(seen.length, 2);
    const first = mapping.get(segmentKey(`${'3'.repeat(32)}+3`, 0, 3));
    assert.ok(first);
    assert.equal(Buffer.from(await mem.get(first.locator)).toString(), '33344');
  });

  it('plan → data → replace: every planned segment gets new coordinates with the same bytes', async () => {
    const mem = new MemoryStore();
    const contents = Array.from({ length: 20 }, (_, i) => `file-${i}-`.repeat(10));
    const locs = await storeBlocks(mem, contents);
    const segments = locs.flatMap((l) => [sized(l, 0, 5), sized(l, 5, 20)]);
    const plan = planRepack(segments);
    assert.equal(plan.length, 1);
    const mapping = await repackData(plan, mem);
    const replacement = planSegmentReplacement(segments, mappingPairs(mapping));
    assert.equal(replacement.size, segments.length);
    for (const s of segments) {
      const r = replacement.lookup(s.locator, s.offset, s.length);
      assert.ok(r);
      const got = await mem.get(r.locator, { offset: r.offset, length: r.length });
      assert.deepEqual(Buffer.from(got), Buffer.from(await mem.get(s.locator, { offset: s.offset, length: s.length })));
    }
  });
});

describe('pending replace_segments map', () => {
  const bs = (locator: string, offset: number, length: number): BlockSegment => ({ locator, offset, length });
  const A = `${'a'.repeat(32)}+10`;
  const B = `${'b'.repeat(32)}+20+A${'f'.repeat(40)}@7fffffff`;
  const C = `${'c'.repeat(32)}+30`;
  it('collapses chains: A→B then B→C becomes A→C', () => {
    const pending = new Map([[segmentKey(A, 0, 10), bs(B, 5, 10)]]);
    const fresh = new Map([[segmentKey(B, 5, 10), bs(C, 20, 10)]]);
    const merged = mergePendingRepack(pending, fresh);
    assert.deepEqual(merged.get(segmentKey(A, 0, 10)), bs(C, 20, 10));
    assert.deepEqual(merged.get(segmentKey(B, 5, 10)), bs(C, 20, 10));
    assert.equal(merged.size, 2);
    assert.equal(pending.size, 1, 'inputs are not modified');
  });
  it('keeps unrelated pending entries and fresh ones', () => {
    const pending = new Map([[segmentKey(A, 0, 10), bs(B, 0, 10)]]);
    const fresh = new Map([[segmentKey(C, 0, 5), bs(B, 10, 5)]]);
    const merged = mergePendingRepack(pending, fresh);
    assert.deepEqual([...merged.keys()].sort(), [segmentKey(A, 0, 10), segmentKey(C, 0, 5)].sort());
    assert.deepEqual(mergePendingRepack(pending, new Map()), pending);
  });
  it('formats the wire map as "loc off len" texts', () => {
    const rec = toReplaceSegmentsRecord(new Map([[segmentKey(A, 0, 10), bs(B, 5, 10)]]));
    assert.deepEqual(rec, { [`${'a'.repeat(32)} 0 10`]: `${B} 5 10` });
  });
});

/** `n` distinct contents of `size` bytes each, stored; returns contents and locators. */
async function smallBlocks(store: MemoryStore, n: number, size: number, tag: string): Promise<{ data: Buffer[]; locs: string[] }> {
  const data = Array.from({ length: n }, (_, i) => Buffer.alloc(size, `${tag}${i}:`));
  const locs: string[] = [];
  for (const d of data) locs.push((await store.put(d)).locator);
  return { data, locs };
}
/** A one-stream manifest with one file per block: `<prefix>00`, `<prefix>01`, … */
function streamOf(name: string, locs: string[], size: number, prefix: string): string {
  const files = locs.map((_, i) => `${i * size}:${size}:${prefix}${String(i).padStart(2, '0')}`);
  return `${name} ${locs.join(' ')} ${files.join(' ')}\n`;
}
const blockTokens = (manifest: string): string[] => manifest.split(/[ \n]/).filter((t) => /^[0-9a-f]{32}\+/.test(t));

describe('CollectionFS.repack()', () => {
  it('counts distinct replaced segments (a segment shared by two files counts once)', async () => {
    const store = new MemoryStore();
    const { locs } = await smallBlocks(store, 11, 100, 'w');
    const fs = await CollectionFS.load(`${streamOf('.', locs, 100, 'f').slice(0, -1)} 0:100:copy\n`, { store });
    assert.equal(await fs.repack(), 11);
  });
  it('merges 40 blocks of 100 B into one block; files read back unchanged', async () => {
    const store = new MemoryStore();
    const { data, locs } = await smallBlocks(store, 40, 100, 'x');
    const fs = await CollectionFS.load(streamOf('.', locs, 100, 'f'), { store });
    assert.equal(await fs.repack({ dryRun: true }), 1);
    assert.equal(blockTokens(await fs.marshalManifest()).length, 40, 'dryRun changes nothing');
    assert.equal(await fs.repack({ full: true }), 0, 'full mode: 4000 B is below 32 MiB');
    assert.equal(await fs.repack(), 40);
    const text = await fs.marshalManifest();
    assert.equal(new Set(blockTokens(text)).size, 1);
    assert.match(text, /^\. [0-9a-f]{32}\+4000 0:100:f00 100:100:f01 /);
    for (let i = 0; i < 40; i++) assert.deepEqual(await fs.readFile(`f${String(i).padStart(2, '0')}`), data[i]);
    assert.equal(await fs.repack(), 0, 'nothing left to merge');
  });

  it('packs sibling files before subdirectories (walk order), whatever the manifest order', async () => {
    const store = new MemoryStore();
    const sub = await smallBlocks(store, 6, 100, 'sub');
    const top = await smallBlocks(store, 6, 100, 'top');
    const fs = await CollectionFS.load(streamOf('./b', sub.locs, 100, 's') + streamOf('.', top.locs, 100, 't'), { store });
    const text0 = await fs.marshalManifest();
    assert.ok(text0.startsWith('. '), 'root stream first after marshal');
    assert.equal(await fs.repack(), 12);
    const merged = blockTokens(await fs.marshalManifest())[0] as string;
    const bytes = Buffer.from(await store.get(merged));
    assert.deepEqual(bytes, Buffer.concat([...top.data, ...sub.data]));
  });

  it('leaves unflushed data alone and only merges stored blocks', async () => {
    const store = new MemoryStore();
    const { locs } = await smallBlocks(store, 11, 100, 'y');
    const fs = await CollectionFS.load(streamOf('.', locs, 100, 'f'), { store });
    await fs.writeFile('zz-unflushed', 'still in memory');
    assert.equal(await fs.repack(), 11);
    assert.equal(await fs.readFile('zz-unflushed', 'utf8'), 'still in memory');
  });

  it('a failed block write leaves the collection unchanged and surfaces the error', async () => {
    const mem = new MemoryStore();
    const { locs } = await smallBlocks(mem, 11, 100, 'v');
    let failPuts = true;
    const store: Pick<BlockStore, 'get' | 'put'> = {
      get: (l, o) => mem.get(l, o),
      put: async (d, o) => {
        if (failPuts) throw new Error('stub write error');
        return mem.put(d, o);
      },
    };
    const fs = await CollectionFS.load(streamOf('.', locs, 100, 'f'), { store });
    const before = await fs.marshalManifest();
    await assert.rejects(fs.repack(), { message: 'stub write error' });
    assert.equal(await fs.marshalManifest(), before);
    failPuts = false;
    assert.equal(await fs.repack(), 11);
  });

  it('a missing source block fails the repack without changes', async () => {
    const mem = new MemoryStore();
    const { locs } = await smallBlocks(mem, 11, 100, 'u');
    const ghost = `${'e'.repeat(32)}+100`;
    const fs = await CollectionFS.load(streamOf('.', [...locs, ghost], 100, 'f'), { store: mem });
    const before = await fs.marshalManifest();
    await assert.rejects(fs.repack(), (e: unknown) => isKeepError(e, 'ERR_BLOCK_NOT_FOUND'));
    assert.equal(await fs.marshalManifest(), before);
  });

  it('an aborted repack changes nothing', async () => {
    const mem = new MemoryStore();
    const { locs } = await smallBlocks(mem, 11, 100, 't');
    const fs = await CollectionFS.load(streamOf('.', locs, 100, 'f'), { store: mem });
    const before = await fs.marshalManifest();
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(fs.repack({ signal: ac.signal }), (e: unknown) => isKeepError(e, 'ERR_ABORTED'));
    assert.equal(await fs.marshalManifest(), before);
  });

  it('then sync() sends the mapping as replaceSegments, with chains collapsed', async () => {
    const store = new MemoryStore();
    const first = await smallBlocks(store, 11, 100, 'a');
    const source = new MemoryCollectionSource({ manifestText: streamOf('.', first.locs, 100, 'a') });
    const fs = await CollectionFS.load((await source.fetch()).manifestText, { store, source, blockSize: 1100 });
    assert.equal(await fs.repack(), 11);
    const x = blockTokens(await fs.marshalManifest())[0] as string;
    // Fifteen 1100-byte files, each flushed as its own block; a second repack merges X with them.
    for (let i = 0; i < 15; i++) await fs.writeFile(`b${String(i).padStart(2, '0')}`, Buffer.alloc(1100, `b${i}`));
    await fs.flush('', { shortBlocks: true });
    assert.equal(await fs.repack(), 26);
    const y = blockTokens(await fs.marshalManifest())[0] as string;
    assert.notEqual(x, y);
    await fs.sync();
    assert.equal(source.saveCount, 1);
    const sent = source.saves[0]?.replaceSegments ?? {};
    for (let i = 0; i < 11; i++) {
      const key = `${stripHints(first.locs[i] as string)} 0 100`;
      assert.equal(sent[key], `${y} ${i * 100} 100`, `chain collapsed for ${key}`);
    }
    assert.equal(sent[`${stripHints(x)} 0 100`], `${y} 0 100`);
    assert.equal(source.manifestText, await fs.marshalManifest());
    await fs.sync();
    assert.equal(source.saveCount, 1, 'nothing pending, PDH unchanged: no second save');
  });
});
const stripHints = (l: string): string => l.slice(0, 32);

describe('repack cost (TestRepackCost_SourceTree_Part analogue)', () => {
  it('500 source-like files, marshal + repack after each write: ≤ 60 blocks, ≤ 4× bytes written', async () => {
    let seed = 7;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const mem = new MemoryStore();
    let written = 0;
    const store: Pick<BlockStore, 'get' | 'put'> = {
      get: (l, o) => mem.get(l, o),
      put: (d, o) => {
        written += d.byteLength;
        return mem.put(d, o);
      },
    };
    const fs = await CollectionFS.load('', { store });
    const dirs = ['', 'src/', 'src/lib/', 'doc/', 'test/'];
    for (const d of dirs) if (d !== '') await fs.mkdir(d, { recursive: true });
    let content = 0;
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 500; i++) {
      // Log-uniform sizes between 100 B and 200 KB, like a source tree.
      const size = Math.floor(100 * Math.exp(rnd() * Math.log(2000)));
      const data = Buffer.alloc(size, `f${i}-`);
      const path = `${dirs[i % dirs.length]}file${String(i).padStart(3, '0')}.txt`;
      await fs.writeFile(path, data);
      files.set(path, data);
      content += size;
      await fs.marshalManifest();
      await fs.repack();
    }
    const blocks = new Set(blockTokens(await fs.marshalManifest()).map((t) => t.slice(0, 32)));
    assert.ok(blocks.size <= 60, `${blocks.size} blocks`);
    assert.ok(written <= 4 * content, `wrote ${written} bytes for ${content}`);
    for (const [path, data] of files) assert.deepEqual(await fs.readFile(path), data, path);
  });
});
