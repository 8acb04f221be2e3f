// CollectionFS path resolution: the plain-path fast path (and its one-entry cache) must give the
// same nodes and errors as full resolution for odd paths, non-ASCII names and a changing tree.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { FsError } from '../../../src/fs/fs-error.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const code = (c: string) => (e: unknown): boolean => e instanceof FsError && e.code === c;
const goErr = (text: string) => (e: unknown): boolean => e instanceof FsError && e.goMessage === text;

/** `a/b/f` (3 bytes "foo") and `a/g` ("bar"), loaded from a manifest. */
async function tree(): Promise<CollectionFS> {
  const store = new MemoryStore();
  await store.put(Buffer.from('foo'));
  await store.put(Buffer.from('bar'));
  return CollectionFS.load(`./a ${md5('bar')}+3 0:3:g\n./a/b ${md5('foo')}+3 0:3:f\n`, { store });
}

describe('CollectionFS paths', () => {
  it('odd spellings of a path stat and open the same node as the plain one', async () => {
    const fs = await tree();
    const ino = (await fs.stat('a/b/f')).ino;
    for (const p of ['a//b/f', './a/b/f', 'a/./b/f', 'a/../a/b/f', '/a/b/f', 'a/b//f', 'b/../a/b/f', '../a/b/f']) {
      assert.equal((await fs.stat(p)).ino, ino, p);
      const h = await fs.open(p, 'r');
      assert.equal((await h.stat()).ino, ino, p);
      assert.equal(await h.readFile('utf8'), 'foo', p);
      await h.close();
    }
    const dir = (await fs.stat('a/b')).ino;
    for (const p of ['a/b/', 'a/b//', 'a/b/.', './a/b/', 'a/b/f/..']) assert.equal((await fs.stat(p)).ino, dir, p);
    assert.equal((await fs.stat('')).ino, 0);
    assert.equal((await fs.stat('.')).ino, 0);
    assert.equal((await fs.stat('/')).name, '.');
  });

  it('odd paths fail with the same errors', async () => {
    const fs = await tree();
    await assert.rejects(fs.stat('a/b/f/'), code('ENOTDIR'));
    await assert.rejects(fs.open('a/b/f/', 'r'), code('ENOTDIR'));
    await assert.rejects(fs.stat('a/b/f/x'), code('ENOTDIR'));
    await assert.rejects(fs.open('a/b/f/x', 'r'), code('ENOTDIR'));
    await assert.rejects(fs.stat('a/b/missing'), code('ENOENT'));
    await assert.rejects(fs.open('a/missing/f', 'r'), code('ENOENT'));
    await assert.rejects(fs.access('a/b/nope'), (e: unknown) => e instanceof FsError && e.code === 'ENOENT' && e.syscall === 'access' && e.path === 'a/b/nope');
    await assert.rejects(fs.stat('a/b/missing'), (e: unknown) => e instanceof FsError && e.syscall === 'stat' && e.path === 'a/b/missing');
  });

  it('open flags on an existing plain path keep the reference semantics', async () => {
    const fs = await tree();
    await assert.rejects(fs.open('a/b/f', 'wx'), code('EEXIST'));
    await assert.rejects(fs.open('a/b/f', constants.O_RDONLY | constants.O_EXCL), code('EEXIST'));
    await assert.rejects(fs.open('a/b/f', constants.O_RDONLY | constants.O_TRUNC), goErr('invalid flag O_TRUNC in read-only mode'));
    await assert.rejects(fs.open('a/b', constants.O_RDWR | constants.O_TRUNC), goErr('invalid flag O_TRUNC when opening directory'));
    await assert.rejects(fs.open('a/b/f', constants.O_RDWR | constants.O_WRONLY), goErr('invalid flags 0x3'));
    await assert.rejects(fs.open('a/b/f', 'rs'), code('ENOTSUP'));
    // The empty path and `.` name the root, which O_EXCL does not refuse (Go's openFile).
    assert.equal((await (await fs.open('', 'wx')).stat()).ino, 0);
    assert.equal((await (await fs.open('a/.', 'wx')).stat()).name, 'a');
    const w = await fs.open('a/b/f', constants.O_WRONLY | constants.O_TRUNC);
    await assert.rejects(w.read(Buffer.alloc(1)), code('EBADF'));
    assert.equal((await fs.stat('a/b/f')).size, 0);
    await w.write('xy');
    await w.close();
    const a = await fs.open('a/g', 'a+');
    await a.write('!');
    assert.equal(await fs.readFile('a/g', 'utf8'), 'bar!');
    await a.close();
  });

  it('non-ASCII paths are looked up as UTF-8 bytes, never as latin1 chars', async () => {
    const store = new MemoryStore();
    await store.put(Buffer.from('foo'));
    await store.put(Buffer.from('bar'));
    // `caf\351` is the single byte 0xE9 (not UTF-8); `caf\303\251` is UTF-8 "café".
    const fs = await CollectionFS.load(`./d ${md5('foo')}+3 0:3:caf\\351\n./e ${md5('bar')}+3 0:3:caf\\303\\251\n`, { store });
    // "é" is U+00E9: as a char it equals the byte 0xE9, but its UTF-8 is C3 A9.
    await assert.rejects(fs.stat('d/café'), code('ENOENT'));
    await assert.rejects(fs.open('d/café', 'r'), code('ENOENT'));
    await assert.rejects(fs.stat('d/caf\u00e9'), code('ENOENT'));
    assert.equal(await fs.readFile('e/café', 'utf8'), 'bar');
    assert.equal((await fs.stat('e/café')).name, 'café');
    assert.equal((await fs.stat('e//./café')).size, 3);
    // The byte name is reachable through its UTF-8 decoding only if it is valid UTF-8: it is not.
    assert.deepEqual(await fs.readdir('d'), ['caf\ufffd']);
    await fs.mkdir('⛵');
    await fs.writeFile('⛵/ü', 'boat');
    assert.equal(await fs.readFile('⛵/ü', 'utf8'), 'boat');
    assert.equal((await fs.stat('⛵/ü')).name, 'ü');
    assert.equal((await fs.stat('⛵/ü')).size, 4);
  });

  it('a path looked up before a rename, removal or splice resolves afresh afterwards', async () => {
    const fs = await tree();
    const f = (await fs.stat('a/b/f')).ino;
    const g = (await fs.stat('a/g')).ino;
    await fs.rename('a/g', 'a/b/f');
    assert.equal((await fs.stat('a/b/f')).ino, g);
    assert.equal(await fs.readFile('a/b/f', 'utf8'), 'bar');
    assert.notEqual(f, g);

    await fs.stat('a/b/f');
    await fs.rm('a/b', { recursive: true });
    await assert.rejects(fs.open('a/b/f', 'r'), code('ENOENT'));
    await assert.rejects(fs.stat('a/b/f'), code('ENOENT'));

    await fs.mkdir('a/b');
    await fs.writeFile('a/b/f', 'new');
    assert.equal(await fs.readFile('a/b/f', 'utf8'), 'new');
    await fs.stat('a/b/f');
    await fs.rename('a/b', 'a/c');
    await assert.rejects(fs.open('a/b/f', 'r'), code('ENOENT'));
    assert.equal(await fs.readFile('a/c/f', 'utf8'), 'new');

    await fs.mkdir('s');
    await fs.writeFile('s/other', 'o');
    const snap = await fs.snapshot('s');
    await fs.stat('a/c/f');
    await fs.splice('a/c', snap);
    await assert.rejects(fs.open('a/c/f', 'r'), code('ENOENT'));
    assert.equal(await fs.readFile('a/c/other', 'utf8'), 'o');

    await fs.stat('a/c/other');
    await fs.unlink('a/c/other');
    await assert.rejects(fs.stat('a/c/other'), code('ENOENT'));
    await fs.copyFile('s/other', 'a/c/other');
    assert.equal(await fs.readFile('a/c/other', 'utf8'), 'o');
    assert.notEqual((await fs.stat('a/c/other')).ino, (await fs.stat('s/other')).ino);
  });

  it('the cache tells apart same-length paths, built or literal, whatever their last char', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    for (const d of ['d1', 'd2']) {
      await fs.mkdir(d);
      for (const f of ['x1', 'y1', 'x2']) await fs.writeFile(`${d}/${f}`, `${d}/${f}`);
    }
    // Each pair: same length; the first two share their last char, the third does not.
    const seq = ['d1/x1', 'd2/x1', 'd1/y1', 'd1/x2', 'd1/x1', 'd1/x1'];
    for (let k = 0; k < seq.length; k++) {
      const [dir, file] = seq[k]!.split('/') as [string, string];
      const built = `${dir}/${file}`; // a fresh string object each time, equal to seq[k]
      await fs.stat(k % 2 === 0 ? built : seq[k]!);
      assert.equal(await fs.readFile(built, 'utf8'), seq[k], `${k}: ${seq[k]}`);
    }
    await assert.rejects(fs.stat('d1/z1'), code('ENOENT'));
    assert.equal((await fs.stat('d2/y1')).name, 'y1');
  });

  it('.arvados#collection stays reachable between cached lookups', async () => {
    const fs = await tree();
    await fs.stat('a/b/f');
    const st = await fs.stat('.arvados#collection');
    assert.equal(st.name, '');
    assert.equal(st.ino, -1);
    const h = await fs.open('.arvados#collection', 'r');
    assert.match(String(await h.readFile('utf8')), /"manifest_text":"\.\/a /);
    await h.close();
    await assert.rejects(fs.open('.arvados#collection', 'w'), code('ENOTSUP'));
  });

  it('stats keep the Node shape: own fields in order, Date getters', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore(), modifiedAtMs: 1_700_000_000_000 });
    await fs.mkdir('d');
    await fs.writeFile('d/x', 'hello');
    const st = await fs.stat('d/x');
    assert.deepEqual(Object.keys(st), ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize', 'blocks', 'atimeMs', 'mtimeMs', 'ctimeMs', 'birthtimeMs', 'name']);
    assert.equal(st.isFile(), true);
    assert.equal(st.isDirectory(), false);
    assert.equal(st.isSymbolicLink(), false);
    assert.equal(st.mode, constants.S_IFREG | 0o755);
    assert.equal(st.size, 5);
    assert.equal(st.blocks, 1);
    assert.equal(st.mtime.getTime(), st.mtimeMs);
    assert.equal(st.birthtime.getTime(), st.mtimeMs);
    const root = await fs.stat('');
    assert.equal(root.isDirectory(), true);
    assert.equal(root.size, 1);
    assert.equal(root.mtime instanceof Date, true);
    const hs = await (await fs.open('d/x', 'r')).stat();
    assert.deepEqual({ ...hs }, { ...st });
  });
});

describe('FsTree.lookupPlainAscii', () => {
  it('agrees with lookupPlain on ASCII paths and refuses non-plain or non-ASCII ones', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    // Directories with one child (a bare id) and with many (a ChildIndex), files at each level.
    for (let i = 0; i < 40; i++) {
      await fs.mkdir(`d${i}`);
      await fs.writeFile(`d${i}/only`, 'x');
      if (i % 3 === 0) for (let j = 0; j < 9; j++) await fs.writeFile(`d${i}/f${j}`, 'y');
    }
    await fs.mkdir('é');
    await fs.writeFile('é/x', 'z');
    const tree = fs.core.tree;
    const paths = ['d0', 'd0/only', 'd3/f8', 'd4/only', 'd4/f1', 'd39/only', 'd40', 'd1/only/x', 'd1/on', 'd1/onlyx', 'x', 'd12/f9', 'd12/f'];
    for (const p of paths) assert.equal(tree.lookupPlainAscii(p), tree.lookupPlain(p, p.length), p);
    assert.ok(tree.lookupPlainAscii('d3/f8') > 0);
    for (const p of ['', '/d0', 'd0/', 'd0//only', './d0', 'd0/.', 'd0/..', '../d0', 'd0/./only']) assert.equal(tree.lookupPlainAscii(p), -1, p);
    // The tree holds "é" as its UTF-8 bytes: neither the char nor its byte string is an ASCII path.
    const bytes = Buffer.from('é/x').toString('latin1');
    assert.ok(tree.lookupPlain(bytes, bytes.length) > 0);
    assert.equal(tree.lookupPlainAscii(bytes), -1);
    assert.equal(tree.lookupPlainAscii('é/x'), -1);
  });
});
