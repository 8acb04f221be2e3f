// FsTree's directory entries: none, one child stored as a bare id, or a ChildIndex (whose slots
// are reused once a directory drops back to one or no child), checked against a Map model.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FsTree } from '../../../src/fs/fs-tree.js';

/** Deterministic pseudo-random ints in [0, n). */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

function entries(tree: FsTree, dir: number): Array<[string, number]> {
  return tree
    .children(dir)
    .map(([n, id]): [string, number] => [n, id])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

describe('FsTree directory entries', () => {
  it('matches a Map model while directories go between none, one and many children', () => {
    const tree = new FsTree(undefined, 0);
    const rnd = prng(7);
    const dirs = [tree.root];
    for (let d = 0; d < 6; d++) dirs.push(tree.addDir(tree.root, `d${d}`));
    const model = new Map<number, Map<string, number>>(dirs.map((d) => [d, new Map()]));
    for (let d = 0; d < 6; d++) model.get(tree.root)?.set(`d${d}`, dirs[d + 1] as number);
    for (let step = 0; step < 4000; step++) {
      const dir = dirs[1 + rnd(6)] as number;
      const m = model.get(dir) as Map<string, number>;
      const name = `f${rnd(5)}`;
      if (rnd(3) === 0) {
        tree.unlink(dir, name);
        m.delete(name);
      } else {
        const node = tree.newFile(name, 0o644, 0);
        tree.link(dir, name, node);
        m.set(name, node);
      }
      for (const [dd, mm] of model) {
        assert.equal(tree.childCount(dd), mm.size);
        assert.deepEqual(entries(tree, dd), [...mm].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
        for (const [n, id] of mm) {
          assert.equal(tree.childOf(dd, n), id);
          if (dd !== tree.root) assert.equal(tree.lookupPlainAscii(`${tree.nameOf(dd)}/${n}`), id);
        }
        assert.equal(tree.childOf(dd, 'absent'), -1);
      }
    }
  });

  it('takeChildren moves a single child or an index, and the source directory is empty', () => {
    const tree = new FsTree(undefined, 0);
    const a = tree.addDir(tree.root, 'a');
    const b = tree.addDir(tree.root, 'b');
    const c = tree.addDir(tree.root, 'c');
    const x = tree.addFile(a, 'x');
    const y = tree.addFile(a, 'y');
    const z = tree.addFile(b, 'z');
    tree.takeChildren(c, a);
    assert.equal(tree.childCount(a), 0);
    assert.equal(tree.lookupPlainAscii('a/x'), -1);
    assert.equal(tree.lookupPlainAscii('c/x'), x);
    assert.equal(tree.lookupPlainAscii('c/y'), y);
    assert.equal(tree.parentOf(y), c);
    tree.takeChildren(a, b);
    assert.equal(tree.lookupPlainAscii('a/z'), z);
    assert.equal(tree.lookupPlainAscii('b/z'), -1);
    // Give `b` an index again (reusing the freed slot) and check `c` still has its own.
    tree.addFile(b, 'p');
    tree.addFile(b, 'q');
    assert.deepEqual(entries(tree, b).map(([n]) => n), ['p', 'q']);
    assert.deepEqual(entries(tree, c).map(([n]) => n), ['x', 'y']);
  });

  it('keeps entries across the loader pre-sizing and compact()', () => {
    const tree = new FsTree(undefined, 0);
    const top = tree.addDir(tree.root, 'top');
    for (let i = 0; i < 300; i++) tree.addFile(tree.addDir(top, `d${i}`), `f${i}`);
    tree.progress(10, 1000);
    tree.compact();
    for (let i = 0; i < 300; i++) assert.equal(tree.nameOf(tree.lookupPlainAscii(`top/d${i}/f${i}`)), `f${i}`);
    assert.equal(tree.childCount(top), 300);
  });
});
