import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loadManifest } from '../../../src/manifest/load-manifest.js';
import { portableDataHash } from '../../../src/manifest/portable-data-hash.js';
import { SimpleTree } from '../../../src/manifest/simple-tree.js';
import { writeManifest } from '../../../src/manifest/write-manifest.js';

const D = 'd41d8cd98f00b204e9800998ecf8427e';
const ACBD = 'acbd18db4cc2f85cedef654fccc4a4d8';
const B37 = '37b51d194a7513e45b56f6524f2d51f2';
const B385 = '3858f62230ac3c915f300c664312c63f';
const B204 = '204e43b8a1185621ca55a94839582e6f';
const B323 = '323d2a3ce20370c4ca1d3462a344f8fd';

function marshal(text: string, prefix?: string): string {
  const tree = new SimpleTree();
  loadManifest(text, tree);
  return Buffer.from(prefix === undefined ? writeManifest(tree) : writeManifest(tree, prefix)).toString('utf8');
}

/** A fake locator: `tag` padded to 32 hex digits. */
const fake = (tag: string, size: number): string => `${tag.padEnd(32, '0')}+${size}`;

/** Build a flat tree of files: name -> list of [locator, offset, length]. */
function flatTree(files: Record<string, Array<[string, number, number]>>): SimpleTree {
  const tree = new SimpleTree();
  for (const [name, segs] of Object.entries(files)) {
    const file = tree.addFile(tree.root, name);
    for (const [loc, offset, length] of segs) {
      const size = Number(loc.split('+')[1]);
      tree.addSegment(file, tree.locators.intern(loc, size), offset, length);
    }
  }
  return tree;
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe('writeManifest() reference vectors (§1.7)', () => {
  it('re-marshals the §1.7 inputs exactly', () => {
    const md5a = '5348b82a029fd9e971a811ce1f71360b+43';
    const md5b = '085c37f02916da1cad16f93c54d899b7+41';
    const md5c = '8b22da26f9f433dea0a10e5ec66d73ba+43';
    const big = `${B204}+67108864`;
    const cases: Array<[string, string]> = [
      [`./foo:foo ${B385}+3 0:3:bar:bar\n`, `./foo\\072foo ${B385}+3 0:3:bar\\072bar\n`],
      [`./dir1 ${B385}+6 3:3:bar 0:3:foo\n`, `./dir1 ${B385}+6 3:3:bar 0:3:foo\n`],
      [`./dir1 ${B385}+6 0:3:foo 3:3:bar\n`, `./dir1 ${B385}+6 3:3:bar 0:3:foo\n`],
      [`. ${md5a} 0:43:md5sum.txt\n. ${md5b} 0:41:md5sum.txt\n. ${md5c} 0:43:md5sum.txt\n`, `. ${md5a} ${md5b} ${md5c} 0:127:md5sum.txt\n`],
      [`. ${md5a} 3:40:md5sum.txt\n. ${md5b} 0:41:md5sum.txt\n. ${md5c} 0:43:md5sum.txt\n`, `. ${md5a} ${md5b} ${md5c} 3:124:md5sum.txt\n`],
      [
        `. ${big} 0:3:foo/bar\n./zzz ${big} 0:999:zzz\n./foo ${B323}+25885655 0:3:bar\n`,
        `./foo ${big} ${B323}+25885655 0:3:bar 67108864:3:bar\n./zzz ${big} 0:999:zzz\n`,
      ],
      [`. ${big} 0:3:foo/bar\n./zzz ${big} 0:999:zzz\n./foo ${big} 3:3:bar\n`, `./foo ${big} 0:6:bar\n./zzz ${big} 0:999:zzz\n`],
      [`. ${ACBD}+40 0:10:one 20:10:two 10:10:one 30:10:two\n`, `. ${ACBD}+40 0:20:one 20:20:two\n`],
      [`. ${ACBD}+3 ${B37}+3 0:3:foo 3:3:bar 0:3:foo2\n`, `. ${B37}+3 ${ACBD}+3 0:3:bar 3:3:foo 3:3:foo2\n`],
      [`. ${ACBD}+3 0:2:foo 0:3:foo\n`, `. ${ACBD}+3 0:2:foo 0:3:foo\n`],
      [`. ${ACBD}+3 0:3:foo 3:0:bar\n`, `. ${ACBD}+3 0:0:bar 0:3:foo\n`],
      [`. ${ACBD}+3 1:0:foo 0:3:foo\n`, `. ${ACBD}+3 1:0:foo 0:3:foo\n`],
      [`. ${ACBD}+3 0:1:foo 1:0:foo 2:0:foo 1:2:foo\n`, `. ${ACBD}+3 0:1:foo 2:0:foo 1:2:foo\n`],
    ];
    for (const [input, output] of cases) assert.equal(marshal(input), output, JSON.stringify(input));
  });

  it('re-marshals arvadostest.PathologicalManifest with the observed PDHs', () => {
    const input =
      `. ${ACBD}+3 ${B37}+3 73feffa4b7f6bb68e44cf984c85f6e88+3+Z+K@xyzzy ${ACBD}+3 0:0:zero@0 0:1:f 1:0:zero@1 1:4:ooba 4:0:zero@4 5:1:r 5:4:rbaz 9:0:zero@9\n` +
      `./overlapReverse ${ACBD}+3 ${ACBD}+3 5:1:o 4:2:oo 2:4:ofoo\n` +
      `./segmented ${ACBD}+3 ${B37}+3 0:1:frob 5:1:frob 1:1:frob 1:2:oof 0:1:oof 5:0:frob 3:1:frob\n` +
      `./foo\\040b\\141r ${ACBD}+3 0:3:baz\n` +
      `./foo\\040b\\141r ${ACBD}+3 0:3:b\\141z\\040w\\141z\n` +
      `./foo ${ACBD}+3 0:0:zero 0:3:foo\n` +
      `. ${ACBD}+3 0:0:foo/zero 0:3:foo/foo\n`;
    const expected =
      `. ${ACBD}+3 ${B37}+3 73feffa4b7f6bb68e44cf984c85f6e88+3+Z+K@xyzzy ${ACBD}+3 ${B37}+3 0:1:f 1:4:ooba 5:1:r 5:4:rbaz 0:0:zero@0 10:0:zero@1 13:0:zero@4 0:0:zero@9\n` +
      `./foo ${ACBD}+3 0:3:foo 0:3:foo 0:0:zero\n` +
      `./foo\\040bar ${ACBD}+3 0:3:baz 0:3:baz\\040waz\n` +
      `./overlapReverse ${ACBD}+3 2:1:o 2:1:ofoo 0:3:ofoo 1:2:oo\n` +
      `./segmented ${ACBD}+3 ${B37}+3 ${ACBD}+3 ${B37}+3 ${ACBD}+3 0:1:frob 5:1:frob 7:1:frob 11:0:frob 9:1:frob 13:2:oof 12:1:oof\n`;
    assert.equal(portableDataHash(input), '605809fe4c10e5e248a21a024fa887c6+719');
    const tree = new SimpleTree();
    loadManifest(input, tree);
    assert.equal(tree.size(), 36);
    const out = writeManifest(tree);
    assert.equal(text(out), expected);
    assert.equal(portableDataHash(out), 'acce1e7038c4967f3e3bc78cc0650d41+724');
    const stripped = Buffer.from(text(out).replace('+3+Z+K@xyzzy', '+3'), 'latin1');
    assert.equal(`${createHash('md5').update(stripped).digest('hex')}+${stripped.length}`, 'acce1e7038c4967f3e3bc78cc0650d41+724');
  });

  it('reproduces the fresh-filesystem output and prefixes every stream', () => {
    const manifest =
      '. 9e5ff35610a0249d59fd7cd1eaec383b+13 0:1:back\\134slash 1:3:bar 4:1:col\\072on 5:1:del\x7f 0:0:empty 6:3:foo 9:1:nl\\012here 10:1:tab\\011here 11:1:unié 12:1:with\\040space\n' +
      `./d ${D}+0 0:0:zero\n` +
      './d/e 6627415e807ee33c7302917216e7da68+4 0:4:deep\n' +
      `./emptydir ${D}+0 0:0:\\056\n`;
    assert.equal(marshal(manifest), manifest);
    const prefixed = manifest.replace(/^\./gm, './prefix');
    assert.equal(marshal(manifest, './prefix'), prefixed);
    assert.equal(marshal(manifest, './with space'), manifest.replace(/^\./gm, './with\\040space'));
  });
});

describe('writeManifest() algorithm', () => {
  it('writes streams in pre-order DFS with children in byte order', () => {
    const tree = new SimpleTree();
    const a = tree.addDir(tree.root, 'a');
    tree.addDir(a, 'x');
    tree.addDir(tree.root, 'a b');
    tree.addDir(tree.root, 'a-b');
    tree.addDir(tree.root, 'B');
    tree.addDir(tree.root, '_');
    tree.addFile(tree.root, 'zz');
    tree.addFile(tree.root, 'Z');
    const streams = text(writeManifest(tree))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split(' ')[0]);
    assert.deepEqual(streams, ['.', './B', './_', './a/x', './a\\040b', './a-b']);
  });

  it('packs Go-style: consecutive-only block reuse, merged contiguous parts (packing example, §1.7)', () => {
    const ee03 = fake('ee03', 7);
    const b875 = fake('875f', 6);
    const b59f = fake('59f4', 9);
    const c5ba = fake('c5ba', 10);
    const b633 = fake('633d', 2);
    const b906 = fake('b906', 4);
    const first = flatTree({
      a: [[ee03, 0, 3]],
      b: [[b875, 0, 6]],
      c: [[ee03, 3, 4]],
      d: [[b59f, 0, 4]],
      e: [[c5ba, 0, 10], [c5ba, 0, 10], [b59f, 4, 5]],
      f: [[b633, 0, 2]],
    });
    assert.equal(
      text(writeManifest(first)),
      `. ${ee03} ${b875} ${ee03} ${b59f} ${c5ba} ${b59f} ${b633} 0:3:a 7:6:b 16:4:c 20:4:d 29:10:e 29:10:e 43:5:e 48:2:f\n`,
    );
    const second = flatTree({
      a: [[ee03, 0, 3], [b906, 0, 2]],
      b: [[b875, 0, 6]],
      c: [[ee03, 3, 4]],
      d: [[b59f, 0, 4]],
      e: [[c5ba, 0, 10], [c5ba, 0, 2], [b906, 2, 2], [c5ba, 4, 6], [b59f, 4, 5]],
      f: [[b633, 0, 2]],
    });
    assert.equal(
      text(writeManifest(second)),
      `. ${ee03} ${b906} ${b875} ${ee03} ${b59f} ${c5ba} ${b906} ${c5ba} ${b59f} ${b633} 0:3:a 7:2:a 11:6:b 20:4:c 24:4:d 33:10:e 33:2:e 45:2:e 51:6:e 61:5:e 66:2:f\n`,
    );
  });

  it('lists one repeated block once without merging non-contiguous parts (512 MiB of zeros)', () => {
    const zero = '7f614da9329cd3aebf59b91aadc30bf0+67108864';
    const tree = flatTree({ big: Array.from({ length: 8 }, (): [string, number, number] => [zero, 0, 67108864]) });
    assert.equal(text(writeManifest(tree)), `. ${zero} 0:67108864:big` + ' 0:67108864:big'.repeat(7) + '\n');
  });

  it('merges contiguous segments over consecutive blocks', () => {
    const tree = flatTree({ f: [[fake('aa', 3), 0, 3], [fake('bb', 5), 0, 5]], g: [[fake('bb', 5), 1, 2]] });
    assert.equal(text(writeManifest(tree)), `. ${fake('aa', 3)} ${fake('bb', 5)} 0:8:f 4:2:g\n`);
  });

  it('handles empty trees, empty files and empty directories', () => {
    const empty = new SimpleTree();
    assert.equal(text(writeManifest(empty)), '');
    assert.equal(text(writeManifest(empty, './x')), `./x ${D}+0 0:0:\\056\n`);
    const tree = new SimpleTree();
    tree.addFile(tree.root, 'e');
    const dir = tree.addDir(tree.root, 'only dirs');
    tree.addDir(dir, 'leaf:1');
    assert.equal(text(writeManifest(tree)), `. ${D}+0 0:0:e\n./only\\040dirs/leaf\\0721 ${D}+0 0:0:\\056\n`);
  });

  it('keeps hints and distinct signatures as distinct blocks', () => {
    const signed1 = `${ACBD}+3+A${'1'.repeat(40)}@7fffffff`;
    const signed2 = `${ACBD}+3+A${'2'.repeat(40)}@7fffffff`;
    const tree = flatTree({ a: [[signed1, 0, 3]], b: [[signed2, 0, 3]], c: [[signed2, 0, 1]] });
    assert.equal(text(writeManifest(tree)), `. ${signed1} ${signed2} 0:3:a 3:3:b 3:1:c\n`);
  });

  it('returns a fresh buffer for large outputs', () => {
    const tree = new SimpleTree();
    const loc = tree.locators.intern(fake('ab', 1000), 1000);
    for (let i = 0; i < 5000; i++) tree.addSegment(tree.addFile(tree.root, `file${String(i).padStart(5, '0')}`), loc, i % 1000, 1);
    const out = text(writeManifest(tree));
    const tokens = out.trimEnd().split(' ');
    assert.equal(tokens.length, 5002);
    assert.equal(tokens[2], '0:1:file00000');
    assert.equal(tokens[5001], '999:1:file04999');
  });
});
