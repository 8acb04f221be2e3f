/**
 * The loader's fast paths (fused token scan, inline file-token parsing, the per-load name cache,
 * the repeated-locator check) must give exactly what the general path gives. These tests feed
 * the shapes the fast paths key on and their near misses.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifest } from '../../../src/manifest/load-manifest.js';
import { LocatorTable } from '../../../src/manifest/locator-table.js';
import { ManifestSyntaxError } from '../../../src/manifest/manifest-syntax-error.js';
import { SimpleTree } from '../../../src/manifest/simple-tree.js';
import type { LocatorIds, ManifestTreeSink } from '../../../src/manifest/tree.js';
import { writeManifest } from '../../../src/manifest/write-manifest.js';

const ACBD = 'acbd18db4cc2f85cedef654fccc4a4d8';
const BCBD = 'bcbd18db4cc2f85cedef654fccc4a4d8';
const A3 = `${ACBD}+3`;
const PREFIX = 'malformed manifest_text: ';

function load(text: string | Uint8Array): SimpleTree {
  const tree = new SimpleTree();
  loadManifest(text, tree);
  return tree;
}

function marshal(text: string | Uint8Array): string {
  return Buffer.from(writeManifest(load(text))).toString('latin1');
}

function segs(tree: SimpleTree, path: string): string[] {
  const node = tree.lookup(path);
  assert.ok(node >= 0, `${path} missing`);
  return tree.segments(node).map((s) => `${s.locator.slice(0, 4)}@${s.offset}+${s.length}`);
}

function errorOf(text: string): string {
  try {
    load(text);
  } catch (err: unknown) {
    assert.ok(err instanceof ManifestSyntaxError, String(err));
    return err.message;
  }
  assert.fail(`expected an error for ${JSON.stringify(text)}`);
}

/** Wraps a SimpleTree and counts the calls the loader makes. */
function countingSink(tree: SimpleTree): { sink: ManifestTreeSink; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const bump = (k: string): void => void calls.set(k, (calls.get(k) ?? 0) + 1);
  const locators: LocatorIds = {
    internBytes: (b, s, e, z) => (bump('internBytes'), tree.locators.internBytes(b, s, e, z)),
    intern: (l, z) => tree.locators.intern(l, z),
    text: (id) => tree.locators.text(id),
    size: (id) => tree.locators.size(id),
  };
  const sink: ManifestTreeSink = {
    locators,
    root: tree.root,
    parentOf: (d) => tree.parentOf(d),
    childOf: (d, n) => (bump('childOf'), tree.childOf(d, n)),
    isDir: (n) => tree.isDir(n),
    addDir: (d, n) => (bump('addDir'), tree.addDir(d, n)),
    addFile: (d, n) => (bump('addFile'), tree.addFile(d, n)),
    addSegment: (f, l, o, n) => (bump('addSegment'), tree.addSegment(f, l, o, n)),
  };
  return { sink, calls };
}

describe('loadManifest() fast paths', () => {
  it('keeps a repeated name per stream: the same token bytes in another stream name another file', () => {
    const tree = load(`./a ${A3} 0:1:f\n./b ${A3} 0:2:f\n./a ${A3} 1:1:f\n`);
    assert.deepEqual(segs(tree, 'a/f'), ['acbd@0+1', 'acbd@1+1']);
    assert.deepEqual(segs(tree, 'b/f'), ['acbd@0+2']);
  });

  it('tells apart names of equal length that differ (previous-name check)', () => {
    const tree = load(`. ${A3} 0:1:ab 1:1:ac 2:1:ab 0:1:ba\n`);
    assert.deepEqual(segs(tree, 'ab'), ['acbd@0+1', 'acbd@2+1']);
    assert.deepEqual(segs(tree, 'ac'), ['acbd@1+1']);
    assert.deepEqual(segs(tree, 'ba'), ['acbd@0+1']);
  });

  it('finds names whose order changes from line to line (order prediction misses)', () => {
    const tree = load(`./d ${A3} 0:1:a 0:1:b 0:1:c\n./e ${A3} 1:1:a 1:1:c 1:1:b 1:1:a\n./d ${A3} 2:1:c 2:1:a 2:1:b\n`);
    assert.deepEqual(segs(tree, 'd/a'), ['acbd@0+1', 'acbd@2+1']);
    assert.deepEqual(segs(tree, 'd/b'), ['acbd@0+1', 'acbd@2+1']);
    assert.deepEqual(segs(tree, 'd/c'), ['acbd@0+1', 'acbd@2+1']);
    assert.deepEqual(segs(tree, 'e/a'), ['acbd@1+1', 'acbd@1+1']);
    assert.deepEqual(segs(tree, 'e/b'), ['acbd@1+1']);
    assert.deepEqual(segs(tree, 'e/c'), ['acbd@1+1']);
  });

  it('caches escaped and slashed names without mixing up their streams', () => {
    const tree = load(`./x ${A3} 0:1:a\\040b/c\n./y ${A3} 1:2:a\\040b/c\n./x ${A3} 2:1:a\\040b/c\n`);
    assert.deepEqual(segs(tree, 'x/a b/c'), ['acbd@0+1', 'acbd@2+1']);
    assert.deepEqual(segs(tree, 'y/a b/c'), ['acbd@1+2']);
    assert.equal(tree.lookup('x/a\\040b'), -1);
  });

  it('takes names with colons from after the second colon', () => {
    const tree = load(`. ${A3} 0:3:a:b 1:1:a:b\n`);
    assert.deepEqual(segs(tree, 'a:b'), ['acbd@0+3', 'acbd@1+1']);
  });

  it('parses decimals at and beyond the inline limit (15 digits) alike', () => {
    const tree = load(`. ${A3} 000000000000001:000000000000002:a 0000000000000001:0000000000000002:b 0000000000000000001:2:c\n`);
    assert.deepEqual(segs(tree, 'a'), ['acbd@1+2']);
    assert.deepEqual(segs(tree, 'b'), ['acbd@1+2']);
    assert.deepEqual(segs(tree, 'c'), ['acbd@1+2']);
    assert.equal(errorOf(`. ${A3} 999999999999999:1:a\n`), `${PREFIX}line 1: invalid segment in 3-byte stream: "999999999999999:1:a"`);
    assert.equal(errorOf(`. ${A3} 9007199254740993:1:a\n`), `${PREFIX}line 1: invalid segment in 3-byte stream: "9007199254740993:1:a"`);
    assert.equal(errorOf(`. ${A3} 12x:1:a\n`), `${PREFIX}line 1: bad file segment "12x:1:a"`);
    assert.equal(errorOf(`. ${A3} 1:2x:a\n`), `${PREFIX}line 1: bad file segment "1:2x:a"`);
    assert.equal(errorOf(`. ${A3} 0:1:a 0:1\n`), `${PREFIX}line 1: bad file segment "0:1"`);
    assert.equal(errorOf(`. 0:1:a\n`), `${PREFIX}line 1: bad locator "0:1:a"`);
  });

  it('interns a run of identical locators once and still separates near-identical ones', () => {
    const tree = new SimpleTree();
    const { sink, calls } = countingSink(tree);
    loadManifest(`. ${A3} ${A3} ${A3} ${BCBD}+3 ${A3} 0:15:f\n./d ${A3} 0:1:g\n`, sink);
    assert.equal(tree.locators.count, 2);
    assert.deepEqual(segs(tree, 'f'), ['acbd@0+3', 'acbd@0+3', 'acbd@0+3', 'bcbd@0+3', 'acbd@0+3']);
    assert.equal(calls.get('internBytes'), 3); // one per run: A3, BCBD, A3 (the next line repeats A3)
    assert.equal(errorOf(`. ${A3} ${ACBD}+x 0:3:f\n`), `${PREFIX}line 1: bad locator "${ACBD}+x"`);
  });

  it('parses locator sizes on the native-scan path exactly like the general path', () => {
    const size = (token: string): number => {
      const tree = load(`. ${token} 0:0:f\n`);
      return tree.locators.size(0);
    };
    assert.equal(size(`${ACBD}+0067`), 67);
    assert.equal(size(`${ACBD}+0000000067`), 67, 'leading zeros past the inline digit limit');
    assert.equal(size(`${ACBD}+-0`), 0);
    assert.equal(size(`${ACBD}+123456789+K@x`), 123456789);
    assert.equal(size(`${ACBD}+2147483647+Afoo@1`), 2147483647);
    assert.equal(size(`x+5`), 5, 'any hash');
    assert.equal(size(`+5`), 5, 'empty hash');
    for (const bad of [`${ACBD}+2147483648`, `${ACBD}+`, `${ACBD}++`, `${ACBD}++67`, `${ACBD}`, `${ACBD}+67x`, `${ACBD}+-1`]) {
      const token = bad.split(' ')[0] as string;
      assert.equal(errorOf(`. ${bad} 0:0:f\n`), `${PREFIX}line 1: bad locator "${token}"`, bad);
    }
    assert.equal(errorOf(`. ${ACBD}+6 7 0:0:f\n`), `${PREFIX}line 1: bad locator "7"`);
    // A locator that is the last token of its line, and a colon-free token after file tokens.
    assert.equal(errorOf(`. ${A3}\n`), `${PREFIX}line 1: no file segments`);
    assert.equal(errorOf(`. ${A3} 0:3:f ${A3}\n`), `${PREFIX}line 1: bad file segment "${A3}"`);
    // Lines whose tokens end at the line's LF, with colons only on later lines.
    assert.equal(marshal(`. ${A3} ${BCBD}+3 0:6:f\n./d ${A3} 0:3:g\n`), `. ${A3} ${BCBD}+3 0:6:f\n./d ${A3} 0:3:g\n`);
  });

  it('tells the sink its progress once, after the first line, only when more lines follow', () => {
    const seen: Array<[number, number]> = [];
    const tree = new SimpleTree();
    const { sink } = countingSink(tree);
    sink.progress = (done, total) => void seen.push([done, total]);
    const first = `./a ${A3} 0:1:f\n`;
    const text = `${first}./b ${A3} 0:2:f\n./c ${A3} 1:1:f\n`;
    loadManifest(text, sink);
    assert.deepEqual(seen, [[first.length, text.length]]);
    seen.length = 0;
    loadManifest(first, sink);
    assert.deepEqual(seen, []);
  });

  it('reads a Uint8Array view at a non-zero offset like the string', () => {
    const text = `./s ${A3} 0:1:f 1:2:f\n./t ${A3} 0:3:f\n`;
    const backing = Buffer.from(`garbage 0:1:f\n${text}trailing`, 'latin1');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 14, text.length);
    assert.equal(marshal(view), marshal(text));
    assert.equal(marshal(text), `./s ${A3} 0:3:f\n./t ${A3} 0:3:f\n`);
  });

  it('resolves each distinct name once per line, even past the name cache limit', () => {
    const n = 70_000;
    const parts: string[] = [`. ${A3}`];
    for (let i = 0; i < n; i++) parts.push(`0:1:f${i}`);
    parts.push('1:1:f0', '2:1:f69999', '1:1:f0');
    const tree = new SimpleTree();
    const { sink, calls } = countingSink(tree);
    loadManifest(parts.join(' ') + '\n', sink);
    assert.equal(calls.get('addFile'), n);
    assert.equal(calls.get('addSegment'), n + 3);
    assert.deepEqual(segs(tree, 'f0'), ['acbd@0+1', 'acbd@1+1', 'acbd@1+1']);
    assert.deepEqual(segs(tree, 'f69999'), ['acbd@0+1', 'acbd@2+1']);
    assert.deepEqual(segs(tree, 'f35000'), ['acbd@0+1']);
  });

  it('asks the sink once per distinct name per line (repeats are served from the cache)', () => {
    const tree = new SimpleTree();
    const { sink, calls } = countingSink(tree);
    loadManifest(`. ${A3} 0:1:a 1:1:a 2:1:a 0:1:b 1:1:a\n. ${A3} 0:1:a\n`, sink);
    // line 1: a, b; line 2: a again (a new line resolves again).
    assert.equal(calls.get('childOf'), 3);
    assert.equal(calls.get('addFile'), 2);
    assert.deepEqual(segs(tree, 'a'), ['acbd@0+1', 'acbd@1+1', 'acbd@2+1', 'acbd@1+1', 'acbd@0+1']);
  });

  it('keeps the error order of the general path on a fast-path token', () => {
    assert.equal(errorOf(`. ${A3} 0:1:a ${A3}\n`), `${PREFIX}line 1: bad file segment "${A3}"`);
    assert.equal(errorOf(`. ${A3} 0:0:. 9:1:a\n`), `${PREFIX}line 1: invalid segment in 3-byte stream: "9:1:a"`);
    assert.equal(errorOf(`. ${A3} 0:1:a/b 0:1:a\n`), `${PREFIX}line 1: cannot use name "a" with length 1: cannot rename file to overwrite existing directory`);
    const marker = load(`. ${A3} 9:0:a/. 0:3:b\n`); // a `.` marker is not range-checked
    assert.ok(marker.isDir(marker.lookup('a')));
    assert.equal(errorOf(`. ${A3} 9:1:a/.\n`), `${PREFIX}line 1: cannot use name "a/." with length 1: is a directory`);
  });
});

describe('LocatorTable', () => {
  it('keeps ids dense and stable through growth, for bytes and strings alike', () => {
    const table = new LocatorTable();
    const locs = Array.from({ length: 5000 }, (_, i) => `${i.toString(16).padStart(32, '0')}+${i}`);
    const buf = Buffer.from(locs.join(' '), 'latin1');
    let at = 0;
    locs.forEach((loc, i) => {
      assert.equal(table.internBytes(buf, at, at + loc.length, i), i);
      at += loc.length + 1;
    });
    assert.equal(table.count, 5000);
    locs.forEach((loc, i) => {
      assert.equal(table.intern(loc, i), i);
      assert.equal(table.text(i), loc);
      assert.equal(table.size(i), i);
    });
    assert.equal(table.count, 5000);
  });

  it('tells apart locators that differ only where the hash does not look (colliding hashes)', () => {
    const table = new LocatorTable();
    // Bytes 40 .. length-16 are not hashed: these two collide and must still be distinct.
    const a = `${ACBD}+3+Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@00000000`;
    const b = `${ACBD}+3+Aaaaaaaaaaaaaaabaaaaaaaaaaaaaaaaaaa@00000000`;
    assert.equal(a.length, b.length);
    const ia = table.intern(a, 3);
    const ib = table.intern(b, 3);
    assert.notEqual(ia, ib);
    assert.equal(table.intern(a, 3), ia);
    assert.equal(table.intern(b, 3), ib);
    assert.equal(table.text(ib), b);
    const tree = load(`. ${a} ${b} ${a} 0:9:f\n`);
    assert.equal(tree.locators.count, 2);
    assert.deepEqual(tree.segments(tree.lookup('f')).map((s) => s.locator === a), [true, false, true]);
  });
});
