// ChildIndex (a directory's name → node index) against a Map model.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChildIndex } from '../../../src/fs/child-index.js';

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ChildIndex', () => {
  it('matches a Map under random link / replace / unlink sequences', () => {
    const rnd = prng(7);
    const names: string[] = [];
    const index = new ChildIndex(names);
    const model = new Map<string, number>();
    // Names with shared prefixes and suffixes (like file0…fileN) to provoke probe chains.
    const pool = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `file${i}` : i % 3 === 1 ? `${i}.txt` : `d${i}/x`.slice(0, 3 + (i % 5))));
    for (let step = 0; step < 20_000; step++) {
      const name = pool[Math.floor(rnd() * pool.length)] as string;
      if (rnd() < 0.6) {
        const id = names.length;
        names.push(name);
        index.set(name, id);
        model.set(name, id);
      } else {
        assert.equal(index.delete(name), model.delete(name));
      }
      if (step % 997 === 0 || step > 19_900) {
        assert.equal(index.size, model.size);
        for (const n of pool) assert.equal(index.get(n), model.get(n) ?? -1, `step ${step}: ${n}`);
        assert.deepEqual(index.keys().sort(), [...model.keys()].sort());
        assert.deepEqual([...index.entries()].sort((a, b) => a[1] - b[1]), [...model.entries()].sort((a, b) => a[1] - b[1]));
      }
    }
  });

  it('grows past many entries and empties again', () => {
    const names: string[] = [];
    const index = new ChildIndex(names);
    for (let i = 0; i < 50_000; i++) {
      names.push(`file${i}`);
      index.set(`file${i}`, i);
    }
    assert.equal(index.size, 50_000);
    assert.equal(index.get('file31337'), 31337);
    assert.equal(index.get('file50000'), -1);
    for (let i = 0; i < 50_000; i += 2) assert.equal(index.delete(`file${i}`), true);
    for (let i = 0; i < 50_000; i++) assert.equal(index.get(`file${i}`), i % 2 === 0 ? -1 : i);
    for (let i = 1; i < 50_000; i += 2) index.delete(`file${i}`);
    assert.equal(index.size, 0);
    assert.equal(index.first(), -1);
    assert.deepEqual(index.keys(), []);
  });
});
