// The small-file write path: writeFile's new-file fast path, slab ranges without views, packed
// copies merged across adjacent ranges, one sort per directory per marshal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { PutOptions, PutResult } from '../../../src/blocks/block-store.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { FsTree } from '../../../src/fs/fs-tree.js';
import { SortedNamesCache } from '../../../src/fs/sorted-names.js';
import { writeManifest } from '../../../src/manifest/write-manifest.js';
import { loadManifest } from '../../../src/manifest/load-manifest.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** Bytes of file `i`: distinct per file, `len` long. */
function content(i: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let k = 0; k < len; k++) b[k] = (i * 31 + k * 7) & 0xff;
  return b;
}

/** A MemoryStore that records every block it receives. */
class RecordingStore extends MemoryStore {
  readonly blocks: Uint8Array[] = [];
  override async put(data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    this.blocks.push(Uint8Array.from(data));
    return super.put(data, options);
  }
}

describe('writeFile fast path (new small file)', () => {
  it('gives the same manifest, contents, modes and mtimes as open + write', async () => {
    let clock = 1_000_000;
    const now = (): number => clock;
    const fast = await CollectionFS.load('', { store: new MemoryStore(), now });
    const slow = await CollectionFS.load('', { store: new MemoryStore(), now });
    await fast.mkdir('d');
    await slow.mkdir('d');
    for (const [i, path] of ['b', 'a', 'd/x', 'd/y', 'sp ace', 'é'].entries()) {
      clock += 1000;
      const data = content(i, 100 + i);
      await fast.writeFile(path, data);
      const h = await slow.open(path, 'w');
      await h.write(data);
      await h.close();
    }
    for (const path of ['b', 'a', 'd/x', 'd/y', 'sp ace', 'é']) {
      assert.deepEqual(await fast.readFile(path), await slow.readFile(path));
      const [f, s] = [await fast.stat(path), await slow.stat(path)];
      assert.equal(f.mode, s.mode, path);
      assert.equal(f.mtimeMs, s.mtimeMs, path);
      assert.equal(f.size, s.size, path);
    }
    assert.equal((await fast.stat('d')).mtimeMs, (await slow.stat('d')).mtimeMs);
    assert.equal(await fast.marshalManifest(), await slow.marshalManifest());
  });

  it('leaves replacing, dot names, the collection record and errors to the general path', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    await fs.writeFile('f', 'first version, longer');
    await fs.writeFile('f', Buffer.from('second'));
    assert.equal(await fs.readFile('f', 'utf8'), 'second');
    await fs.writeFile('.hidden', Buffer.from('dot'));
    assert.equal(await fs.readFile('.hidden', 'utf8'), 'dot');
    await assert.rejects(fs.writeFile('.arvados#collection', Buffer.from('x')), { code: 'ENOTSUP' });
    await assert.rejects(fs.writeFile('missing/f', Buffer.from('x')), { code: 'ENOENT' });
    await assert.rejects(fs.writeFile('f/g', Buffer.from('x')), { code: 'ENOTDIR' });
    await fs.mkdir('dir');
    await assert.rejects(fs.writeFile('dir', Buffer.from('x')), { code: 'EINVAL' });
    await fs.writeFile('empty', Buffer.alloc(0));
    assert.equal((await fs.stat('empty')).size, 0);
    const m = await fs.marshalManifest();
    assert.match(m, / 0:0:empty /);
  });

  it('a block-sized file written in one piece is uploaded whole', async () => {
    const store = new RecordingStore();
    const fs = await CollectionFS.load('', { store, blockSize: 1024 });
    await fs.writeFile('big', content(1, 1024));
    await fs.writeFile('small', content(2, 10));
    const again = await CollectionFS.load(await fs.marshalManifest(), { store });
    assert.deepEqual(await again.readFile('big'), content(1, 1024));
    assert.deepEqual(await again.readFile('small'), content(2, 10));
  });
});

describe('slab ranges', () => {
  it('small files sharing a slab grow, shrink and are overwritten independently', async () => {
    const store = new MemoryStore();
    const fs = await CollectionFS.load('', { store, blockSize: 1 << 20 });
    const model = new Map<string, number[]>();
    for (let i = 0; i < 40; i++) {
      const name = `f${i}`;
      const data = content(i, 8 * i + (i % 3));
      await fs.writeFile(name, data);
      model.set(name, [...data]);
    }
    for (let i = 0; i < 40; i += 3) {
      const name = `f${i}`;
      const extra = content(100 + i, 50);
      await fs.appendFile(name, extra);
      model.get(name)?.push(...extra);
    }
    for (let i = 1; i < 40; i += 4) {
      await fs.truncate(`f${i}`, 3);
      model.set(`f${i}`, (model.get(`f${i}`) ?? []).slice(0, 3).concat(new Array<number>(Math.max(0, 3 - (model.get(`f${i}`) ?? []).length)).fill(0)));
    }
    const h = await fs.open('f2', 'r+');
    await h.write(Buffer.from('ZZ'), 0, 2, 5);
    await h.close();
    model.get('f2')?.splice(5, 2, 90, 90);
    await fs.flush('', { shortBlocks: true });
    // Writes after a flush copy on write: the uploaded block must not change.
    await fs.appendFile('f5', Buffer.from('after'));
    model.get('f5')?.push(...Buffer.from('after'));
    for (const [name, bytes] of model) assert.deepEqual([...(await fs.readFile(name))], bytes, name);
    const again = await CollectionFS.load(await fs.marshalManifest(), { store });
    for (const [name, bytes] of model) assert.deepEqual([...(await again.readFile(name))], bytes, name);
  });

  it('files written in name order pack into the same block bytes as files written out of order', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `n${String(i).padStart(3, '0')}`);
    const build = async (order: string[]): Promise<{ manifest: string; blocks: string[] }> => {
      const store = new RecordingStore();
      const fs = await CollectionFS.load('', { store, blockSize: 64 * 1024 });
      for (const name of order) await fs.writeFile(name, content(Number(name.slice(1)), 1000));
      const manifest = await fs.marshalManifest();
      return { manifest, blocks: store.blocks.map(md5) };
    };
    const inOrder = await build(names);
    const reversed = await build([...names].reverse());
    assert.equal(inOrder.manifest, reversed.manifest);
    assert.deepEqual(inOrder.blocks, reversed.blocks);
    // 65 files of 1000 B fit a 64 KiB block: 300 files make 5 blocks.
    assert.equal(inOrder.blocks.length, 5);
  });
});

describe('SortedNamesCache', () => {
  it('sorts a directory once while the tree is unchanged and again after link/unlink', () => {
    const tree = new FsTree();
    for (const n of ['b', 'a', 'c']) tree.link(tree.root, n, tree.newFile(n, 0o755, 0));
    let sorts = 0;
    const sortedChildren = tree.sortedChildren.bind(tree);
    tree.sortedChildren = (dir: number): { names: string[]; nodes: number[] } => {
      sorts++;
      return sortedChildren(dir);
    };
    const cache = new SortedNamesCache(tree);
    assert.deepEqual(cache.sortedNames(tree.root), ['a', 'b', 'c']);
    assert.deepEqual(cache.sortedNames(tree.root), ['a', 'b', 'c']);
    assert.equal(sorts, 1);
    tree.link(tree.root, '0', tree.newFile('0', 0o755, 0));
    assert.deepEqual(cache.sortedNames(tree.root), ['0', 'a', 'b', 'c']);
    tree.unlink(tree.root, 'b');
    assert.deepEqual(cache.sortedNames(tree.root), ['0', 'a', 'c']);
    assert.equal(sorts, 3);
    assert.equal(cache.childOf(tree.root, 'c'), tree.childOf(tree.root, 'c'));
    assert.deepEqual(cache.sortedNodes(tree.root), ['0', 'a', 'c'].map((n) => tree.childOf(tree.root, n)));
    // Renaming keeps the node but changes the listing: nodes follow the new order.
    const c = tree.childOf(tree.root, 'c');
    tree.unlink(tree.root, 'c');
    tree.link(tree.root, '00', c);
    assert.deepEqual(cache.sortedNames(tree.root), ['0', '00', 'a']);
    assert.deepEqual(cache.sortedNodes(tree.root), ['0', '00', 'a'].map((n) => tree.childOf(tree.root, n)));
  });

  it('a rename during a marshal upload still gives a manifest of the renamed tree', async () => {
    const store = new MemoryStore();
    const fs = await CollectionFS.load('', { store });
    await fs.writeFile('a', 'aaa');
    await fs.writeFile('b', 'bbb');
    const marshal = fs.marshalManifest();
    await fs.rename('a', 'z');
    const m = await marshal;
    const again = await CollectionFS.load(m, { store });
    assert.deepEqual((await again.readdir('')).sort(), ['b', 'z']);
    assert.equal(await again.readFile('z', 'utf8'), 'aaa');
  });
});

describe('writeManifest listing order', () => {
  it('gives the same bytes from sorted listings as from sorting the children itself', () => {
    const src =
      '. 37b51d194a7513e45b56f6524f2d51f2+3 acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:b 3:3:a 0:3:a\\040b 3:0:e\n' +
      './d 37b51d194a7513e45b56f6524f2d51f2+3 0:3:x\n./d/e d41d8cd98f00b204e9800998ecf8427e+0 0:0:\\056\n';
    const tree = new FsTree();
    loadManifest(src, tree);
    const viaTree = writeManifest(tree);
    // A plain view (no listings of its own): the writer sorts [name, node] pairs.
    const plain = {
      locators: tree.locators,
      root: tree.root,
      isDir: (n: number) => tree.isDir(n),
      children: (d: number) => tree.children(d),
      forEachSegment: (f: number, v: (l: number, o: number, n: number) => void) => tree.forEachSegment(f, v),
    };
    assert.equal(text(writeManifest(plain)), text(viaTree));
    let asked = 0;
    const order = {
      sortedNames: (d: number): readonly string[] => {
        asked++;
        return tree.sortedNames(d);
      },
      childOf: (d: number, n: string) => tree.childOf(d, n),
    };
    assert.equal(text(writeManifest(plain, '.', order)), text(viaTree));
    assert.equal(asked, 3);
    // Byte order: `a` < `a b` < `b` < `e`; blocks listed in first use.
    assert.equal(text(viaTree).split('\n')[0], '. acbd18db4cc2f85cedef654fccc4a4d8+3 37b51d194a7513e45b56f6524f2d51f2+3 0:3:a 3:3:a\\040b 3:3:b 0:0:e');
  });
});

describe('writeManifest long streams', () => {
  it('a stream line longer than the token chunks round-trips byte for byte', () => {
    // 30,000 files: ≈ 600 KB of tokens, several 64 KiB chunks; ≈ 150 blocks: a long block list.
    const names = Array.from({ length: 30_000 }, (_, i) => `f${String(i).padStart(6, '0')}`);
    let off = 0;
    const tokens = names.map((n, i) => {
      // Empty files inside a block (at a block boundary an empty file is written `0:0:`).
      const len = i % 7 === 0 && off % 1000 !== 0 ? 0 : 6;
      const t = `${off}:${len}:${n}`;
      off += len;
      return t;
    });
    // Blocks covering the stream exactly (the writer lists only blocks that files use).
    const blocks: string[] = [];
    for (let b = 0; b * 1000 < off; b++) blocks.push(`${b.toString(16).padStart(32, '0')}+${Math.min(1000, off - b * 1000)}`);
    const src = `./dir ${blocks.join(' ')} ${tokens.join(' ')}\n`;
    const tree = new FsTree();
    loadManifest(src, tree);
    assert.equal(text(writeManifest(tree)), src);
  });
});
