import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isKeepError, KeepError } from '../../../src/errors.js';
import { loadManifest } from '../../../src/manifest/load-manifest.js';
import { LocatorTable } from '../../../src/manifest/locator-table.js';
import { ManifestSyntaxError } from '../../../src/manifest/manifest-syntax-error.js';
import { SimpleTree } from '../../../src/manifest/simple-tree.js';
import { writeManifest } from '../../../src/manifest/write-manifest.js';

const D = 'd41d8cd98f00b204e9800998ecf8427e';
const ACBD = 'acbd18db4cc2f85cedef654fccc4a4d8';
const BCDE = 'bcde18db4cc2f85cedef654fccc4a4d8';
const B204 = '204e43b8a1185621ca55a94839582e6f';
const PREFIX = 'malformed manifest_text: ';

function load(text: string): SimpleTree {
  const tree = new SimpleTree();
  loadManifest(text, tree);
  return tree;
}

function marshal(text: string): string {
  return Buffer.from(writeManifest(load(text))).toString('utf8');
}

function loadError(text: string): ManifestSyntaxError {
  try {
    load(text);
  } catch (err: unknown) {
    assert.ok(err instanceof ManifestSyntaxError, `unexpected error ${String(err)}`);
    return err;
  }
  assert.fail(`expected an error for ${JSON.stringify(text)}`);
}

function segmentsOf(tree: SimpleTree, path: string): string[] {
  const node = tree.lookup(path);
  assert.ok(node >= 0, `${path} missing`);
  return tree.segments(node).map((s) => `${s.locator.slice(0, 4)}@${s.offset}+${s.length}`);
}

describe('loadManifest() errors', () => {
  it('matches TestMalformedManifests exactly', () => {
    const cases: Array<[string, string]> = [
      [`. ${D}+0 0:0:foo`, 'line 1: no trailing newline'],
      [`. ${D} 0:0:foo\n`, `line 1: bad locator "${D}"`],
      [`. ${D}+x 0:0:foo\n`, `line 1: bad locator "${D}+x"`],
      [`. ${D}+0 ::foo\n`, 'line 1: bad file segment "::foo"'],
    ];
    for (const [text, message] of cases) assert.equal(loadError(text).message, PREFIX + message, JSON.stringify(text));
  });

  it('matches the observed TestBrokenManifests messages', () => {
    const cases: Array<[string, string]> = [
      ['\n', 'line 1: no file segments'],
      ['.\n', 'line 1: no file segments'],
      ['. \n', 'line 1: bad locator ""'],
      [`. ${D}+0\n`, 'line 1: no file segments'],
      [`. ${D}+0 \n`, 'line 1: bad locator ""'],
      ['. 0:0:foo\n', 'line 1: bad locator "0:0:foo"'],
      ['.  0:0:foo\n', 'line 1: bad locator ""'],
      ['. 0:0:foo 0:0:bar\n', 'line 1: bad locator "0:0:foo"'],
      [`. ${D} 0:0:foo\n`, `line 1: bad locator "${D}"`],
      [`. ${D}+0 :0:0:foo\n`, 'line 1: bad file segment ":0:0:foo"'],
      [`. ${D}+0 foo:0:foo\n`, 'line 1: bad file segment "foo:0:foo"'],
      [`. ${D}+0 0:foo:foo\n`, 'line 1: bad file segment "0:foo:foo"'],
      [`. ${D}+1 0:1:foo 1:1:bar\n`, 'line 1: invalid segment in 1-byte stream: "1:1:bar"'],
      [`. ${D}+1 0:1:\\056\n`, 'line 1: cannot use name "\\\\056" with length 1: is a directory'],
      [`. ${D}+1 0:1:\\056\\057\\056\n`, 'line 1: cannot use name "\\\\056\\\\057\\\\056" with length 1: is a directory'],
      [`. ${D}+1 0:1:.\n`, 'line 1: cannot use name "." with length 1: is a directory'],
      [`. ${D}+1 0:1:..\n`, 'line 1: cannot use name ".." with length 1: invalid file part ".." in path ["." ".."]'],
      [`. ${D}+0 0:0:..\n`, 'line 1: cannot use name ".." with length 0: invalid file part ".." in path ["." ".."]'],
      [`. ${D}+0 0:0:foo/..\n`, 'line 1: cannot use name "foo/.." with length 0: invalid file part ".." in path ["." "foo" ".."]'],
      [`. ${D}+1 0:0:foo\n./foo ${D}+1 0:0:bar\n`, 'line 2: cannot use name "bar" with length 0: file already exists'],
      [`./foo ${D}+1 0:0:bar\n. ${D}+1 0:0:foo\n`, 'line 2: cannot use name "foo" with length 0: cannot rename file to overwrite existing directory'],
    ];
    for (const [text, message] of cases) assert.equal(loadError(text).message, PREFIX + message, JSON.stringify(text));
  });

  it('matches the other observed loader errors (§1.4)', () => {
    const cases: Array<[string, string]> = [
      [`. ${ACBD}+3 0:3:foo\n\n`, 'line 2: no file segments'],
      [`./foo ${B204}+67108864 67108863:3:bar\n`, 'line 1: invalid segment in 67108864-byte stream: "67108863:3:bar"'],
      [`./foo ${B204}+67108864 0:3bar\n`, 'line 1: bad file segment "0:3bar"'],
      [`. ${ACBD}+3 0:1:file1.txt file2.txt 1:2:file3.txt\n`, 'line 1: bad file segment "file2.txt"'],
      [`. ${ACBD}+3 0:1:file1.txt ${BCDE}+3 1:2:file3.txt\n`, `line 1: bad file segment "${BCDE}+3"`],
      [`. ${ACBD}+3 file1.txt\n`, 'line 1: bad locator "file1.txt"'],
      [`. ${ACBD}+3 ${BCDE}+3\n`, 'line 1: no file segments'],
      [`. ${ACBD}+-3 0:3:foo\n`, `line 1: bad locator "${ACBD}+-3"`],
      [`. ${ACBD}+3 -1:3:foo\n`, 'line 1: bad file segment "-1:3:foo"'],
      [`. ${ACBD}+3 0:-3:foo\n`, 'line 1: bad file segment "0:-3:foo"'],
      [`. ${ACBD}+3 0:3:foo  0:0:bar\n`, 'line 1: bad file segment ""'],
      [`. ${ACBD}+3 0:3:foo \n`, 'line 1: bad file segment ""'],
      [`./.. ${ACBD}+3 0:3:foo\n`, 'line 1: cannot use name "foo" with length 3: invalid argument'],
      [`. ${ACBD}+3 0:3:foo/\n`, 'line 1: cannot use name "foo/" with length 3: invalid file part "" in path ["." "foo" ""]'],
      [`. ${ACBD}+3 0:3:foo\n. ${ACBD}+3 0:0:foo/bar\n`, 'line 2: cannot use name "foo/bar" with length 0: file already exists'],
      [`. ${ACBD}+3 0:0:foo/bar\n. ${ACBD}+3 0:3:foo\n`, 'line 2: cannot use name "foo" with length 3: cannot rename file to overwrite existing directory'],
      [`. ${ACBD}+3 0:3:foo 4:0:bar\n`, 'line 1: invalid segment in 3-byte stream: "4:0:bar"'],
      [`. ${ACBD}+2147483648 0:3:foo\n`, `line 1: bad locator "${ACBD}+2147483648"`],
      [`. ${ACBD}+3 0:9223372036854775808:foo\n`, 'line 1: bad file segment "0:9223372036854775808:foo"'],
      [`. ${ACBD}+3 0:9223372036854775807:.\n`, 'line 1: cannot use name "." with length 9223372036854775807: is a directory'],
      [`. ${ACBD}+3 0:3:a\tb\x7f\n`, ''],
      ['a\nb', 'line 2: no trailing newline'],
      [`. ${ACBD}+3 0:3:"q"\\\n. x+1 9:1:\xe9\n`, 'line 2: invalid segment in 1-byte stream: "9:1:é"'],
    ];
    for (const [text, message] of cases) {
      if (message === '') {
        assert.doesNotThrow(() => load(text));
        continue;
      }
      assert.equal(loadError(text).message, PREFIX + message, JSON.stringify(text));
    }
  });

  it('reports a typed error with code, line and token', () => {
    const err = loadError(`. ${ACBD}+3 0:3:foo\n. ${ACBD}+3 0:1:file1.txt file2.txt\n`);
    assert.ok(err instanceof KeepError);
    assert.ok(isKeepError(err, 'ERR_MANIFEST_SYNTAX'));
    assert.equal(err.name, 'ManifestSyntaxError');
    assert.equal(err.line, 2);
    assert.equal(err.token, 'file2.txt');
    assert.equal(loadError(`. ${ACBD}+3 0:1:a\\040b/..\n`).token, '0:1:a\\040b/..');
    assert.equal(loadError('. x+1\n').token, '');
  });
});

describe('loadManifest() accepted manifests', () => {
  it('re-marshals TestEdgeCaseManifests as observed', () => {
    const cases: Array<[string, string]> = [
      ['', ''],
      [`. ${D}+0 0:0:foo\n`, `. ${D}+0 0:0:foo\n`],
      [`. ${D}+0 0:0:...\n`, `. ${D}+0 0:0:...\n`],
      [`. ${D}+0 0:0:. 0:0:. 0:0:\\056 0:0:\\056\n`, ''],
      [`. ${D}+0 0:0:foo/. 0:0:. 0:0:foo\\057bar\\057\\056\n`, `./foo/bar ${D}+0 0:0:\\056\n`],
      [`. ${D}+0 0:0:foo 0:0:foo 0:0:bar\n`, `. ${D}+0 0:0:bar 0:0:foo\n`],
      [`. ${D}+0 0:0:foo/bar\n./foo ${D}+0 0:0:bar\n`, `./foo ${D}+0 0:0:bar\n`],
    ];
    for (const [text, out] of cases) assert.equal(marshal(text), out, JSON.stringify(text));
  });

  it('resolves stream names and paths leniently (§1.3, §1.4)', () => {
    const A = `${ACBD}+3`;
    const cases: Array<[string, string]> = [
      [`foo ${A} 0:3:x\n`, `./foo ${A} 0:3:x\n`],
      [`/badstream ${A} 0:3:x\n`, `./badstream ${A} 0:3:x\n`],
      [` ${A} 0:3:x\n`, `. ${A} 0:3:x\n`],
      [`./a/.. ${A} 0:3:foo\n`, `. ${A} 0:3:foo\n./a ${D}+0 0:0:\\056\n`],
      [`. ${A} 0:3:a/../b\n`, `. ${A} 0:3:b\n./a ${D}+0 0:0:\\056\n`],
      [`./a ${A} 0:3:../b\n`, `. ${A} 0:3:b\n./a ${D}+0 0:0:\\056\n`],
      [`. ${A} 0:3:/foo\n`, `. ${A} 0:3:foo\n`],
      [`. ${A} 0:3:a//b\n`, `./a ${A} 0:3:b\n`],
      [`./a//b ${A} 0:3:c\n`, `./a/b ${A} 0:3:c\n`],
      [`./ ${A} 0:3:c\n`, `. ${A} 0:3:c\n`],
      [`. ${D}+0 ${A} 0:3:foo\n`, `. ${A} 0:3:foo\n`],
      [`. ${A} 0:3:foo 3:0:bar\n`, `. ${A} 0:0:bar 0:3:foo\n`],
      [`. ${A} 0:3:foo\t\n`, `. ${A} 0:3:foo\\011\n`],
      [`. ${A} 0:3:foo\r\n`, `. ${A} 0:3:foo\\015\n`],
      [`. ${A} 0:1:a\t1:2:b\n`, `. ${A} 0:1:a\\0111\\0722\\072b\n`],
      [`. ${A} 0:3:f\\oo 0:0:f\\400oo\n`, `. ${A} 0:0:f\\134400oo 0:3:f\\134oo\n`],
      [`. ${A} 0:3:\\\\040\n`, `. ${A} 0:3:\\134040\n`],
      [`. ${A} +0:+3:foo\n`, `. ${A} 0:3:foo\n`],
      [`. ${ACBD}+-0 ${A} 0:-0:foo\n`, `. ${D}+0 0:0:foo\n`],
      [`. xyz+3 0:3:foo\n`, `. xyz+3 0:3:foo\n`],
      [`. ${ACBD}+2147483647 0:3:foo\n`, `. ${ACBD}+2147483647 0:3:foo\n`],
      [`. ${ACBD}+3+K@xyzzy+Zfoo 0:3:foo\n`, `. ${ACBD}+3+K@xyzzy+Zfoo 0:3:foo\n`],
      [`. ${A} 9:0:.\n`, ''],
    ];
    for (const [text, out] of cases) assert.equal(marshal(text), out, JSON.stringify(text));
  });

  it('maps a range over several blocks and skips zero-size blocks', () => {
    const tree = load(`. ${ACBD}+3 ${D}+0 ${BCDE}+5 ${ACBD}+3 1:9:f\n`);
    assert.deepEqual(segmentsOf(tree, 'f'), ['acbd@1+2', 'bcde@0+5', 'acbd@0+2']);
    assert.equal(tree.size(), 9);
  });

  it('keeps zero-length tokens strictly inside a block as empty segments', () => {
    const tree = load(`. ${ACBD}+3 ${BCDE}+3 1:0:in 3:0:edge 0:0:start 6:0:end 4:0:second\n`);
    assert.deepEqual(segmentsOf(tree, 'in'), ['acbd@1+0']);
    assert.deepEqual(segmentsOf(tree, 'edge'), []);
    assert.deepEqual(segmentsOf(tree, 'start'), []);
    assert.deepEqual(segmentsOf(tree, 'end'), []);
    assert.deepEqual(segmentsOf(tree, 'second'), ['bcde@1+0']);
  });

  it('concatenates repeated tokens of a file across and within lines', () => {
    const tree = load(`. ${ACBD}+3 0:3:foo 1:2:foo\n./sub ${BCDE}+4 0:0:x\n. ${BCDE}+4 2:2:foo\n`);
    assert.deepEqual(segmentsOf(tree, 'foo'), ['acbd@0+3', 'acbd@1+2', 'bcde@2+2']);
    assert.equal(tree.fileSize(tree.lookup('foo')), 7);
  });

  it('uses the 64 MiB fast path and binary search consistently', () => {
    const big = `${B204}+67108864`;
    const tree = load(`. ${big} ${big} ${ACBD}+3 67108863:3:a 134217728:3:b 0:1:c 134217727:2:d\n`);
    assert.deepEqual(segmentsOf(tree, 'a'), ['204e@67108863+1', '204e@0+2']);
    assert.deepEqual(segmentsOf(tree, 'b'), ['acbd@0+3']);
    assert.deepEqual(segmentsOf(tree, 'c'), ['204e@0+1']);
    assert.deepEqual(segmentsOf(tree, 'd'), ['204e@67108863+1', 'acbd@0+1']);
    const blocks = Array.from({ length: 50 }, (_, i) => `${ACBD}+${i + 1}`).join(' ');
    const small = load(`. ${blocks} 1274:1:z 0:1:a 1271:4:y 45:3:m 1274:1:z\n`);
    assert.deepEqual(segmentsOf(small, 'a'), ['acbd@0+1']);
    assert.deepEqual(segmentsOf(small, 'm'), ['acbd@0+3']);
    assert.deepEqual(segmentsOf(small, 'y'), ['acbd@46+4']);
    assert.deepEqual(segmentsOf(small, 'z'), ['acbd@49+1', 'acbd@49+1']);
  });

  it('maps streams of equal-size blocks (any size) by division, the last block may differ', () => {
    const h = (c: string): string => c.repeat(32);
    const blocks = `${h('1')}+5 ${h('2')}+5 ${h('3')}+5 ${h('4')}+5 ${h('5')}+12`;
    const tokens = '4:2:a 10:0:e 12:0:z 25:7:l 19:3:m 0:32:all 20:0:b 30:2:t';
    const tree = load(`. ${blocks} ${tokens}\n`);
    assert.deepEqual(segmentsOf(tree, 'a'), ['1111@4+1', '2222@0+1']);
    assert.deepEqual(segmentsOf(tree, 'e'), []);
    assert.deepEqual(segmentsOf(tree, 'z'), ['3333@2+0']);
    assert.deepEqual(segmentsOf(tree, 'l'), ['5555@5+7']);
    assert.deepEqual(segmentsOf(tree, 'm'), ['4444@4+1', '5555@0+2']);
    assert.deepEqual(segmentsOf(tree, 'all'), ['1111@0+5', '2222@0+5', '3333@0+5', '4444@0+5', '5555@0+12']);
    assert.deepEqual(segmentsOf(tree, 'b'), []);
    assert.deepEqual(segmentsOf(tree, 't'), ['5555@10+2']);
    // The same tokens over blocks that are not uniform (a smaller last block, a zero-size one).
    const shorter = load(`. ${h('1')}+5 ${h('2')}+5 ${h('3')}+2 0:12:x 9:2:y 12:0:w\n`);
    assert.deepEqual(segmentsOf(shorter, 'x'), ['1111@0+5', '2222@0+5', '3333@0+2']);
    assert.deepEqual(segmentsOf(shorter, 'y'), ['2222@4+1', '3333@0+1']);
    assert.deepEqual(segmentsOf(shorter, 'w'), []);
    const zero = load(`. ${h('1')}+5 ${h('2')}+0 ${h('3')}+5 3:4:x 5:0:y\n`);
    assert.deepEqual(segmentsOf(zero, 'x'), ['1111@3+2', '3333@0+2']);
    assert.deepEqual(segmentsOf(zero, 'y'), []);
    assert.equal(loadError(`. ${blocks} 30:3:x\n`).message, PREFIX + 'line 1: invalid segment in 32-byte stream: "30:3:x"');
  });

  it('maps ranges inside a last block larger than 64 MiB (fast path clamps to the last block)', () => {
    const big = `${B204}+67108864`;
    const tree = load(`. ${big} ${ACBD}+607108864 72715622:7348194:bar 67108864:1:first 0:3:a\n`);
    assert.deepEqual(segmentsOf(tree, 'bar'), ['acbd@5606758+7348194']);
    assert.deepEqual(segmentsOf(tree, 'first'), ['acbd@0+1']);
    assert.deepEqual(segmentsOf(tree, 'a'), ['204e@0+3']);
    const single = load(`. ${ACBD}+607108864 72715622:7348194:bar\n`);
    assert.deepEqual(segmentsOf(single, 'bar'), ['acbd@72715622+7348194']);
  });

  it('accepts an int64-wrapping range without segments, like Go', () => {
    const tree = load(`. ${ACBD}+3 9223372036854775807:1:w 1:9223372036854775807:v\n`);
    assert.deepEqual(segmentsOf(tree, 'w'), []);
    assert.deepEqual(segmentsOf(tree, 'v'), []);
    assert.equal(loadError(`. ${ACBD}+3 9223372036854775806:1:w\n`).message, PREFIX + 'line 1: invalid segment in 3-byte stream: "9223372036854775806:1:w"');
  });

  it('interns locators: equal text gives one id', () => {
    const tree = load(`. ${ACBD}+3 ${BCDE}+3 ${ACBD}+3 0:9:f\n./d ${BCDE}+3 ${ACBD}+3+K@x 0:6:g\n`);
    assert.equal(tree.locators.count, 3);
    assert.equal(tree.locators.hash(2), ACBD);
    assert.equal(tree.locators.size(1), 3);
  });

  it('decodes a string as UTF-8 and keeps names as byte strings', () => {
    const tree = load(`. ${ACBD}+3 0:3:caf\\303\\251 0:0:日本\n`);
    assert.ok(tree.lookup('caf\xc3\xa9') >= 0);
    assert.ok(tree.lookup(Buffer.from('日本').toString('latin1')) >= 0);
    const bytes = Buffer.from(`. ${ACBD}+3 0:3:\xff\n`, 'latin1');
    const t2 = new SimpleTree();
    loadManifest(bytes, t2);
    assert.ok(t2.lookup('\xff') >= 0);
  });
});

describe('loadManifest() inputs and sinks', () => {
  it('reads a subarray of a larger buffer at its own offsets', () => {
    const body = `. ${ACBD}+3 ${BCDE}+2 0:5:f\n`;
    const outer = Buffer.from(`JUNK${body}MORE`, 'latin1');
    const tree = new SimpleTree();
    loadManifest(outer.subarray(4, 4 + body.length), tree);
    assert.deepEqual(segmentsOf(tree, 'f'), ['acbd@0+3', 'bcde@0+2']);
    assert.equal(tree.locators.text(1), `${BCDE}+2`);
  });

  it('LocatorTable interns byte ranges and strings to the same dense ids', () => {
    const table = new LocatorTable();
    const buf = Buffer.from(`x ${ACBD}+3 ${ACBD}+3 ${BCDE}+3+K@z`, 'latin1');
    const a = table.internBytes(buf, 2, 2 + 34, 3);
    assert.equal(table.internBytes(buf, 37, 37 + 34, 3), a);
    const b = table.internBytes(buf, 72, buf.length, 3);
    assert.deepEqual([a, b, table.intern(`${ACBD}+3`, 3), table.intern('other+1', 1)], [0, 1, 0, 2]);
    assert.equal(table.internBytes(buf, 2, 2 + 34, 3), 0);
    assert.equal(table.count, 3);
    assert.equal(table.text(1), `${BCDE}+3+K@z`);
    assert.equal(table.hash(1), BCDE);
    assert.equal(table.size(2), 1);
    assert.throws(() => table.text(3), (err: unknown) => isKeepError(err, 'ERR_INVALID_ARGUMENT'));
  });

  it('SimpleTree refuses duplicate names and wrong node kinds', () => {
    const tree = new SimpleTree();
    const f = tree.addFile(tree.root, 'f');
    assert.equal(tree.parentOf(f), tree.root);
    assert.equal(tree.parentOf(tree.root), tree.root);
    assert.throws(() => tree.addDir(tree.root, 'f'), (err: unknown) => isKeepError(err, 'ERR_INVALID_ARGUMENT'));
    assert.throws(() => tree.addFile(f, 'x'), (err: unknown) => isKeepError(err, 'ERR_INVALID_ARGUMENT'));
    assert.throws(() => tree.addSegment(tree.root, 0, 0, 0), (err: unknown) => isKeepError(err, 'ERR_INVALID_ARGUMENT'));
    assert.equal(tree.lookup('f/x'), -1);
    assert.equal(tree.lookup('./f'), f);
  });
});
