import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ByteLocatorTable } from '../../../src/fs/byte-locator-table.js';

const loc = (i: number, sig = ''): string => `${createHash('md5').update(String(i)).digest('hex')}+${i}${sig}`;

describe('ByteLocatorTable', () => {
  it('interns bytes and strings to the same ids, keeps text and size', () => {
    const t = new ByteLocatorTable();
    const text = `. ${loc(3)} ${loc(4, '+Aabc@12345678')} 0:7:f\n`;
    const bytes = Buffer.from(text, 'latin1');
    const a = t.internBytes(bytes, 2, 2 + loc(3).length, 3);
    const bStart = 3 + loc(3).length;
    const b = t.internBytes(bytes, bStart, bStart + loc(4, '+Aabc@12345678').length, 4);
    assert.notEqual(a, b);
    assert.equal(t.intern(loc(3), 3), a);
    assert.equal(t.intern(loc(4, '+Aabc@12345678'), 4), b);
    assert.notEqual(t.intern(loc(4, '+Aabd@12345678'), 4), b, 'another signature is another locator');
    assert.equal(t.text(b), loc(4, '+Aabc@12345678'));
    assert.equal(t.textLength(b), loc(4, '+Aabc@12345678').length);
    assert.equal(t.size(b), 4);
    assert.equal(t.hash(a), loc(3).slice(0, 32));
    assert.equal(t.count, 3);
    assert.throws(() => t.text(99), RangeError);
  });

  it('stays consistent across growth and rehashing (50,000 locators, each interned twice)', () => {
    const t = new ByteLocatorTable();
    const ids: number[] = [];
    for (let i = 0; i < 50_000; i++) ids.push(t.intern(loc(i, i % 3 === 0 ? `+A${'f'.repeat(40)}@7fffffff` : ''), i));
    assert.equal(t.count, 50_000);
    for (let i = 49_999; i >= 0; i--) {
      const l = loc(i, i % 3 === 0 ? `+A${'f'.repeat(40)}@7fffffff` : '');
      const buf = Buffer.from(`x ${l} y`, 'latin1');
      assert.equal(t.internBytes(buf, 2, 2 + l.length, i), ids[i]);
      assert.equal(t.text(ids[i] as number), l);
    }
    assert.equal(t.count, 50_000);
  });

  it('reserve() keeps existing ids valid', () => {
    const t = new ByteLocatorTable();
    const a = t.intern(loc(1), 1);
    t.reserve(100_000);
    assert.equal(t.intern(loc(1), 1), a);
    const b = t.intern(loc(2), 2);
    assert.notEqual(b, a);
    assert.equal(t.text(b), loc(2));
  });

  it('reserve(n, arenaBytes) then compact(): ids, texts and sizes survive, and interning goes on', () => {
    const t = new ByteLocatorTable();
    t.reserve(100_000, 10_000_000);
    const long = (i: number): string => loc(i, `+A${'f'.repeat(150)}${i}@12345678`);
    const ids: number[] = [];
    for (let i = 0; i < 300; i++) ids.push(t.intern(i % 2 === 0 ? loc(i) : long(i), i));
    t.compact();
    for (let i = 0; i < 300; i++) {
      const text = i % 2 === 0 ? loc(i) : long(i);
      const bytes = Buffer.from(` ${text} `, 'latin1');
      assert.equal(t.internBytes(bytes, 1, 1 + text.length, i), ids[i]);
      assert.equal(t.text(ids[i] as number), text);
      assert.equal(t.size(ids[i] as number), i);
    }
    const next = t.intern(loc(1000), 1000);
    assert.equal(next, 300);
    assert.equal(t.intern(loc(1000), 1000), next, 'a repeat of the last locator');
    assert.equal(t.count, 301);
  });

  it('a locator equal in length to the last one but different gets its own id', () => {
    const t = new ByteLocatorTable();
    const a = t.intern(loc(1, '+Aaaaa@12345678'), 1);
    const b = t.intern(loc(1, '+Aaaab@12345678'), 1);
    assert.notEqual(a, b);
    assert.equal(t.intern(loc(1, '+Aaaab@12345678'), 1), b);
    assert.equal(t.intern(loc(1, '+Aaaaa@12345678'), 1), a);
  });
});
