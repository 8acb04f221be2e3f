import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isKeepError } from '../../../src/errors.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import {
  describeChange,
  formatBlockSegment,
  parseBlockSegment,
  planSegmentReplacement,
  replacementBlockSize,
  replacementEntries,
  segmentKey,
  type BlockSegment,
  type StoredSegmentLike,
} from '../../../src/fs/replace-segments.js';

/** The reference tests' fake locators: md5 of i zero bytes, `+i`, odd ones with extra hints. */
function fakeLocator(i: number): string {
  const hash = createHash('md5').update(Buffer.alloc(i)).digest('hex');
  return i % 2 === 1 ? `${hash}+${i}+Awhatever+Zotherhints` : `${hash}+${i}`;
}
const L = Array.from({ length: 10 }, (_, i) => fakeLocator(i));
const loc = (i: number): string => L[i] as string;
const seg = (locator: string, offset: number, length: number): StoredSegmentLike => ({ locator, offset, length });

/** Apply a plan to a plain segment list the way CollectionFS does; returns the new list. */
function apply(segments: StoredSegmentLike[], map: Parameters<typeof planSegmentReplacement>[1]): StoredSegmentLike[] {
  const plan = planSegmentReplacement(segments, map);
  return segments.map((s) => {
    const r = plan.lookup(s.locator, s.offset, s.length);
    return r === undefined ? s : { locator: r.locator, offset: r.offset, length: s.length };
  });
}

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isKeepError(err, 'ERR_INVALID_ARGUMENT'), `expected ERR_INVALID_ARGUMENT, got ${String(err)}`);
    assert.equal((err as Error).message, message);
    return true;
  });
}

describe('fake locators', () => {
  it('match the reference examples', () => {
    assert.equal(loc(1), '93b885adfe0da089cdf634904fd59f71+1+Awhatever+Zotherhints');
    assert.equal(loc(2), 'c4103f122d27677c9db144cae1394a66+2');
    assert.equal(loc(3), '693e9af84d3dfcc71e640e005bdc5e2e+3+Awhatever+Zotherhints');
    assert.equal(loc(6), '7319468847d7b1aee40dbf5dd963c999+6');
  });
});

describe('BlockSegment text form', () => {
  it('formatBlockSegment() writes "loc off len"', () => {
    assert.equal(formatBlockSegment({ locator: loc(3), offset: 2, length: 1 }), `${loc(3)} 2 1`);
  });
  it('parseBlockSegment() reads what formatBlockSegment() writes', () => {
    const s: BlockSegment = { locator: loc(5), offset: 4, length: 1 };
    assert.deepEqual(parseBlockSegment(formatBlockSegment(s)), s);
  });
  it('parseBlockSegment() accepts extra whitespace and signs like Sscanf', () => {
    assert.deepEqual(parseBlockSegment(`  ${loc(2)}   +1 \t2 `), { locator: loc(2), offset: 1, length: 2 });
  });
  it('parseBlockSegment() rejects malformed texts', () => {
    for (const bad of ['', loc(2), `${loc(2)} 1`, `${loc(2)} x 1`, `${loc(2)} 1 2 3`, `${loc(2)} 1.5 2`]) {
      assert.throws(() => parseBlockSegment(bad), (e: unknown) => isKeepError(e, 'ERR_INVALID_ARGUMENT'), bad);
    }
  });
  it('a map of segments survives a JSON round trip', () => {
    const map = { [`${loc(1)} 0 1`]: `${loc(3)} 0 1`, [`${loc(2)} 0 2`]: `${loc(3)} 1 2` };
    const back = JSON.parse(JSON.stringify(map)) as Record<string, string>;
    const entries = replacementEntries(back);
    assert.deepEqual(entries, [
      [{ locator: loc(1), offset: 0, length: 1 }, { locator: loc(3), offset: 0, length: 1 }],
      [{ locator: loc(2), offset: 0, length: 2 }, { locator: loc(3), offset: 1, length: 2 }],
    ]);
  });
  it('segmentKey() strips hints', () => {
    assert.equal(segmentKey(loc(1), 0, 1), '93b885adfe0da089cdf634904fd59f71 0 1');
  });
});

describe('planSegmentReplacement()', () => {
  it('happy path: two segments move into one block', () => {
    const before = [seg(loc(1), 0, 1), seg(loc(2), 0, 2)];
    const after = apply(before, { [`${loc(1)} 0 1`]: `${loc(3)} 0 1`, [`${loc(2)} 0 2`]: `${loc(3)} 1 2` });
    assert.deepEqual(after, [seg(loc(3), 0, 1), seg(loc(3), 1, 2)]);
    const plan = planSegmentReplacement(before, { [`${loc(2)} 0 2`]: `${loc(3)} 1 2` });
    assert.equal(plan.size, 1);
    assert.deepEqual(plan.lookup(loc(2), 0, 2), { locator: loc(3), offset: 1, blockSize: 3, length: 2 });
  });

  it('replaces every segment with the same hash, offset and length, whatever its hints', () => {
    const unsigned = loc(1).slice(0, 34);
    const before = [seg(loc(1), 0, 1), seg(unsigned, 0, 1), seg(`${unsigned}+K@xyzzy`, 0, 1)];
    const after = apply(before, { [`${unsigned}+Aother@00000001 0 1`]: `${loc(4)} 3 1` });
    assert.deepEqual(after, [seg(loc(4), 3, 1), seg(loc(4), 3, 1), seg(loc(4), 3, 1)]);
  });

  it('accepts a Map of texts and parsed pairs, with the same result', () => {
    const before = [seg(loc(1), 0, 1)];
    const fromMap = apply(before, new Map([[`${loc(1)} 0 1`, `${loc(3)} 2 1`]]));
    const fromPairs = apply(before, [[{ locator: loc(1), offset: 0, length: 1 }, { locator: loc(3), offset: 2, length: 1 }]]);
    assert.deepEqual(fromMap, [seg(loc(3), 2, 1)]);
    assert.deepEqual(fromPairs, fromMap);
  });

  it('invalid offset: offset + length beyond the block size is refused', () => {
    const before = [seg(loc(1), 0, 1), seg(loc(2), 0, 2)];
    rejects(
      () => planSegmentReplacement(before, { [`${loc(1)} 0 1`]: `${loc(3)} 0 1`, [`${loc(2)} 0 2`]: `${loc(3)} 2 2` }),
      'invalid replacement: offset 2 + length 2 > block size 3',
    );
  });

  it('length mismatch is refused', () => {
    rejects(
      () => planSegmentReplacement([seg(loc(2), 0, 2)], { [`${loc(2)} 0 2`]: `${loc(3)} 0 3` }),
      'mismatched length: replacing segment length 2 with segment length 3',
    );
  });

  it('a replacement locator without a size part is refused', () => {
    rejects(() => planSegmentReplacement([seg(loc(2), 0, 2)], { [`${loc(2)} 0 2`]: 'c4103f122d27677c9db144cae1394a66 0 2' }), 'invalid replacement locator');
  });

  it('a bad size hint is refused with Go ParseInt texts', () => {
    const hash = 'c4103f122d27677c9db144cae1394a66';
    const cases: Array<[string, string]> = [
      [`${hash}+x`, 'invalid size hint in replacement locator: strconv.ParseInt: parsing "x": invalid syntax'],
      [`${hash}+`, 'invalid size hint in replacement locator: strconv.ParseInt: parsing "": invalid syntax'],
      [`${hash}+Afoo@1+3`, 'invalid size hint in replacement locator: strconv.ParseInt: parsing "Afoo@1": invalid syntax'],
      [`${hash}+99999999999999999999`, 'invalid size hint in replacement locator: strconv.ParseInt: parsing "99999999999999999999": value out of range'],
    ];
    for (const [repl, message] of cases) {
      rejects(() => planSegmentReplacement([seg(loc(2), 0, 2)], { [`${loc(2)} 0 2`]: `${repl} 0 2` }), message);
    }
    assert.equal(replacementBlockSize(`${hash}+9223372036854775807`), 9223372036854775807);
  });

  it('validates in input order and reports the first error', () => {
    const before = [seg(loc(1), 0, 1), seg(loc(2), 0, 2)];
    rejects(
      () =>
        planSegmentReplacement(
          before,
          new Map([
            [`${loc(2)} 0 2`, `${loc(3)} 0 3`],
            [`${loc(1)} 0 1`, `${loc(3)} 5 1`],
          ]),
        ),
      'mismatched length: replacing segment length 2 with segment length 3',
    );
  });

  it('skip unreferenced: entries sharing a replacement block with a missing key are skipped, others applied', () => {
    // 1,2,3 were already repacked into 6; a stale plan maps 1,2,4 → 7 (1 and 2 are gone), and 5 → 8.
    const before = [seg(loc(6), 0, 1), seg(loc(6), 1, 2), seg(loc(6), 3, 3), seg(loc(4), 0, 4), seg(loc(5), 0, 5)];
    const map = {
      [`${loc(1)} 0 1`]: `${loc(7)} 0 1`,
      [`${loc(2)} 0 2`]: `${loc(7)} 1 2`,
      [`${loc(4)} 0 4`]: `${loc(7)} 3 4`,
      [`${loc(5)} 0 5`]: `${loc(8)} 0 5`,
    };
    const plan = planSegmentReplacement(before, map);
    assert.equal(plan.size, 1);
    assert.deepEqual(apply(before, map), [seg(loc(6), 0, 1), seg(loc(6), 1, 2), seg(loc(6), 3, 3), seg(loc(4), 0, 4), seg(loc(8), 0, 5)]);
  });

  it('skipped entries are not validated', () => {
    const before = [seg(loc(2), 0, 2)];
    // 1 is missing, so every entry targeting loc(3) is skipped, including the invalid one.
    const plan = planSegmentReplacement(before, { [`${loc(1)} 0 1`]: `${loc(3)} 0 1`, [`${loc(2)} 0 2`]: `${loc(3)} 0 3` });
    assert.equal(plan.size, 0);
  });

  it('skip incomplete segment: a key covering part of a segment changes nothing', () => {
    const before = [seg(loc(2), 0, 2)];
    const plan = planSegmentReplacement(before, { [`${loc(2)} 0 1`]: `${loc(3)} 0 1` });
    assert.equal(plan.size, 0);
    assert.equal(plan.lookup(loc(2), 0, 2), undefined);
    assert.deepEqual(apply(before, { [`${loc(2)} 0 1`]: `${loc(3)} 0 1` }), before);
  });

  it('appliedCount counts distinct matched source segments', () => {
    const segs = [seg(loc(1), 0, 1), seg(loc(1), 0, 1), seg(loc(2), 0, 2), seg(loc(4), 0, 4)];
    const plan = planSegmentReplacement(segs, { [`${loc(1)} 0 1`]: `${loc(3)} 0 1`, [`${loc(2)} 0 2`]: `${loc(3)} 1 2` });
    assert.equal(plan.appliedCount, 0);
    for (const s of segs) plan.lookup(s.locator, s.offset, s.length);
    assert.equal(plan.appliedCount, 2);
  });

  it('an empty map plans nothing', () => {
    assert.equal(planSegmentReplacement([seg(loc(2), 0, 2)], {}).size, 0);
  });

  it('describeChange() reports the normalised key and the new segment', () => {
    const plan = planSegmentReplacement([seg(loc(1), 0, 1)], { [`${loc(1)} 0 1`]: `${loc(3)} 2 1` });
    const r = plan.lookup(loc(1), 0, 1);
    assert.ok(r);
    assert.deepEqual(describeChange(seg(loc(1), 0, 1), r), ['93b885adfe0da089cdf634904fd59f71 0 1', { locator: loc(3), offset: 2, length: 1 }]);
  });
});

describe('CollectionFS.replaceSegments() (TestReplaceSegments_*)', () => {
  /** A store holding the fake blocks (i zero bytes) and a filesystem loaded from `manifest`. */
  async function setup(manifest: string): Promise<CollectionFS> {
    const store = new MemoryStore();
    for (let i = 1; i < 10; i++) await store.put(Buffer.alloc(i));
    return CollectionFS.load(manifest, { store });
  }

  it('happy path: two segments merge into one block and still read back', async () => {
    const fs = await setup(`. ${loc(1)} ${loc(2)} 0:3:file3\n`);
    assert.equal(await fs.replaceSegments({ [`${loc(1)} 0 1`]: `${loc(3)} 0 1`, [`${loc(2)} 0 2`]: `${loc(3)} 1 2` }), true);
    assert.equal(await fs.marshalManifest(), `. ${loc(3)} 0:3:file3\n`);
    assert.deepEqual(await fs.readFile('file3'), Buffer.alloc(3));
  });

  it('invalid offset: error, nothing changes', async () => {
    const fs = await setup(`. ${loc(1)} ${loc(2)} 0:3:file3\n`);
    await assert.rejects(fs.replaceSegments({ [`${loc(1)} 0 1`]: `${loc(3)} 0 1`, [`${loc(2)} 0 2`]: `${loc(3)} 2 2` }), {
      message: 'invalid replacement: offset 2 + length 2 > block size 3',
    });
    assert.equal(await fs.marshalManifest(), `. ${loc(1)} ${loc(2)} 0:3:file3\n`);
  });

  it('length mismatch: error, nothing changes', async () => {
    const fs = await setup(`. ${loc(1)} ${loc(2)} 0:3:file3\n`);
    await assert.rejects(fs.replaceSegments({ [`${loc(1)} 0 1`]: `${loc(3)} 0 1`, [`${loc(2)} 0 2`]: `${loc(3)} 0 3` }), {
      message: 'mismatched length: replacing segment length 2 with segment length 3',
    });
    assert.equal(await fs.marshalManifest(), `. ${loc(1)} ${loc(2)} 0:3:file3\n`);
  });

  it('skip unreferenced: only the independent replacement is applied', async () => {
    const fs = await setup(`. ${loc(6)} ${loc(5)} 0:1:f1 1:2:f2 3:3:f3 6:5:f5\n`);
    const changed = await fs.replaceSegments({
      [`${loc(1)} 0 1`]: `${loc(7)} 0 1`,
      [`${loc(2)} 0 2`]: `${loc(7)} 1 2`,
      [`${loc(6)} 3 3`]: `${loc(7)} 3 3`,
      [`${loc(5)} 0 5`]: `${loc(8)} 0 5`,
    });
    assert.equal(changed, true);
    assert.equal(await fs.marshalManifest(), `. ${loc(6)} ${loc(8)} 0:1:f1 1:2:f2 3:3:f3 6:5:f5\n`);
    assert.deepEqual(await fs.readFile('f5'), Buffer.alloc(5));
  });

  it('skip incomplete segment: nothing changes and there is no error', async () => {
    const fs = await setup(`. ${loc(2)} 0:2:f\n`);
    assert.equal(await fs.replaceSegments({ [`${loc(2)} 0 1`]: `${loc(3)} 0 1` }), false);
    assert.equal(await fs.marshalManifest(), `. ${loc(2)} 0:2:f\n`);
  });

  it('replaces shared segments in every file and directory', async () => {
    const fs = await setup(`. ${loc(4)} 0:4:a\n./d ${loc(4)} 0:4:b 0:4:c\n`);
    assert.equal(await fs.replaceSegments({ [`${loc(4)} 0 4`]: `${loc(9)} 5 4` }), true);
    assert.equal(await fs.marshalManifest(), `. ${loc(9)} 5:4:a\n./d ${loc(9)} 5:4:b 5:4:c\n`);
  });
});
