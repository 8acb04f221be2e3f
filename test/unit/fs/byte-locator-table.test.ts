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

  it('reserve(n) then compact(): ids, texts and sizes survive, and interning goes on', () => {
    const t = new ByteLocatorTable();
    t.reserve(100_000);
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

  it('internBytes keeps no reference to the caller\'s bytes once any other method has run', () => {
    const t = new ByteLocatorTable();
    const a = loc(1, '+Aabc@12345678');
    const b = loc(2);
    const buf = Buffer.from(`. ${a} ${b} 0:1:f\n`, 'latin1');
    const ia = t.internBytes(buf, 2, 2 + a.length, 1);
    const ib = t.internBytes(buf, 3 + a.length, 3 + a.length + b.length, 2);
    assert.equal(t.internBytes(buf, 2, 2 + a.length, 1), ia, 'a pending locator is found again');
    assert.equal(t.size(ib), 2);
    t.compact();
    buf.fill(0x78); // the caller reuses its buffer
    assert.equal(t.text(ia), a);
    assert.equal(t.text(ib), b);
    assert.equal(t.intern(a, 1), ia);
    // Bytes from a second buffer while the first one's ids are pending: both stay right.
    const t2 = new ByteLocatorTable();
    const one = Buffer.from(` ${a} `, 'latin1');
    const two = Buffer.from(` ${b} ${a} `, 'latin1');
    const x = t2.internBytes(one, 1, 1 + a.length, 1);
    const y = t2.internBytes(two, 1, 1 + b.length, 2);
    assert.equal(t2.internBytes(two, 2 + b.length, 2 + b.length + a.length, 1), x);
    one.fill(0);
    t2.seal();
    two.fill(0);
    assert.equal(t2.text(x), a);
    assert.equal(t2.text(y), b);
  });

  it('copies pending locators far apart and out of order correctly (runs and gaps)', () => {
    const t = new ByteLocatorTable();
    const texts = [loc(1), loc(2), loc(3, '+Afoo@1'), loc(4)];
    const pad = 'z'.repeat(500);
    const src = `${texts[0]} ${texts[1]}${pad}${texts[2]} ${texts[3]}`;
    const buf = Buffer.from(src, 'latin1');
    const at = texts.map((x) => src.indexOf(x as string));
    const order = [2, 0, 3, 1, 2];
    const ids = order.map((k) => t.internBytes(buf, at[k] as number, (at[k] as number) + (texts[k] as string).length, k));
    assert.equal(ids[0], ids[4]);
    t.seal();
    buf.fill(0);
    order.forEach((k, i) => assert.equal(t.text(ids[i] as number), texts[k]));
    assert.equal(t.count, 4);
  });

  it('handles sequential hex hashes, one md5 with many signatures, and non-hex hashes', () => {
    const t = new ByteLocatorTable();
    const seq = (i: number, sig = 'A'): string => `${i.toString(16).padStart(32, '0')}+64+${sig}${i.toString(16).padStart(40, '0')}@5f000000`;
    const ids: number[] = [];
    for (let i = 0; i < 20_000; i++) ids.push(t.intern(seq(i), 64));
    // Same digits, other signatures: equal table hashes, must probe past each other.
    const md5 = 'acbd18db4cc2f85cedef654fccc4a4d8';
    const signed: number[] = [];
    for (let i = 0; i < 3000; i++) signed.push(t.intern(`${md5}+3+A${i.toString(16).padStart(40, '0')}@12345678`, 3));
    const odd: number[] = [];
    for (let i = 0; i < 3000; i++) odd.push(t.intern(`${'x'.repeat(32)}+${i}`, i));
    assert.equal(t.count, 26_000);
    for (let i = 19_999; i >= 0; i -= 7) assert.equal(t.intern(seq(i), 64), ids[i]);
    for (let i = 0; i < 3000; i += 5) {
      assert.equal(t.intern(`${md5}+3+A${i.toString(16).padStart(40, '0')}@12345678`, 3), signed[i]);
      assert.equal(t.text(odd[i] as number), `${'x'.repeat(32)}+${i}`);
    }
    assert.notEqual(t.intern(seq(5, 'B'), 64), ids[5]);
    assert.equal(t.count, 26_001);
  });
});
