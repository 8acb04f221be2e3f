// sortByteStrings (MSD radix sort of directory listings) must order exactly like sort().
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sortByteStrings } from '../../../src/util/byte-sort.js';

/** Deterministic pseudo-random generator (LCG), so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

function shuffled(names: string[], seed: number): string[] {
  const r = rng(seed);
  const a = [...names];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j] as string, a[i] as string];
  }
  return a;
}

function assertSortsLikeSort(names: string[], label: string): void {
  const expected = [...names].sort();
  const input = [...names];
  const out = sortByteStrings(input);
  assert.equal(out, input, `${label}: sorts in place`);
  assert.deepEqual(out, expected, label);
  // With values: each value (here the name's input index) moves with its name, stably.
  const withValues = [...names];
  const values = names.map((_, i) => i);
  sortByteStrings(withValues, values);
  assert.deepEqual(withValues, expected, `${label} (with values)`);
  const expectedValues = names.map((name, i) => [name, i] as const).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1])).map((e) => e[1]);
  assert.deepEqual(values, expectedValues, `${label}: values follow their names`);
}

describe('sortByteStrings', () => {
  it('orders like sort() for many name shapes', () => {
    const r = rng(7);
    const randomName = (maxLen: number, alphabet: number): string => {
      let s = '';
      const len = Math.floor(r() * maxLen);
      for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(r() * alphabet));
      return s;
    };
    assertSortsLikeSort(shuffled(Array.from({ length: 5000 }, (_, i) => `file${i}`), 1), 'fileN');
    assertSortsLikeSort(shuffled(Array.from({ length: 3000 }, (_, i) => 'p'.repeat(300) + i), 2), 'long common prefix');
    assertSortsLikeSort(Array.from({ length: 4000 }, () => randomName(12, 256)), 'random bytes, with duplicates');
    assertSortsLikeSort(Array.from({ length: 4000 }, () => randomName(6, 3)), 'tiny alphabet, many prefixes');
    assertSortsLikeSort(shuffled(['', 'a', 'a\u0000', 'a\u00ff', '\u00ff', 'ab', 'b', ...Array.from({ length: 60 }, (_, i) => 'k' + i)], 3), 'edges');
    assertSortsLikeSort(['b', 'a', 'c'], 'short list');
    const groups: string[] = [];
    for (let g = 0; g < 40; g++) for (let i = 0; i < 40; i++) groups.push(`${'x'.repeat(g)}/${'y'.repeat(50)}${i}`);
    assertSortsLikeSort(shuffled(groups, 4), 'groups with long shared prefixes');
  });

  it('falls back to sort() for non-byte strings and very deep nesting', () => {
    assertSortsLikeSort(shuffled([...Array.from({ length: 100 }, (_, i) => `n${i}`), 'n5\u0100', 'n\u4e2d'], 5), 'chars above 255');
    // A comb: every name a prefix of the next, so each level splits off one name.
    assertSortsLikeSort(shuffled(Array.from({ length: 1500 }, (_, i) => 'z'.repeat(i + 1)), 6), 'comb deeper than the level limit');
  });

  it('refuses values of another length', () => {
    assert.throws(() => sortByteStrings(['b', 'a'], [1]), RangeError);
  });
});
