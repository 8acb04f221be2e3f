import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resized } from '../../../src/util/typed-array.js';

test('resized() grows with the same type, keeps elements and fills the rest', () => {
  const a = Int32Array.from([1, -2, 3]);
  const b = resized(a, 5);
  assert.ok(b instanceof Int32Array);
  assert.deepEqual([...b], [1, -2, 3, 0, 0]);
  const m = resized(Float64Array.from([1.5]), 3, Number.NaN);
  assert.equal(m[0], 1.5);
  assert.ok(Number.isNaN(m[1]) && Number.isNaN(m[2]));
  assert.notEqual(b, a);
});

test('resized() shrinks by keeping the first elements', () => {
  assert.deepEqual([...resized(Uint16Array.from([7, 8, 9]), 2)], [7, 8]);
});
