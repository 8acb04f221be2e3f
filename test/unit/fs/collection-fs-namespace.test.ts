// CollectionFS namespace: mkdir, remove, rename, readdir, stat, paths, snapshot/splice, load errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isKeepError } from '../../../src/errors.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { FsError } from '../../../src/fs/fs-error.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const goErr = (text: string) => (e: unknown): boolean => e instanceof FsError && e.goMessage === text;

async function twoFiles(): Promise<CollectionFS> {
  const store = new MemoryStore();
  await store.put(Buffer.from('foo'));
  await store.put(Buffer.from('bar'));
  return CollectionFS.load(`./dir1 ${md5('foo')}+3 ${md5('bar')}+3 0:3:foo 3:3:bar\n`, { store });
}

describe('CollectionFS namespace', () => {
  it('TestReaddirFull / stat: directory size is the entry count', async () => {
    const fs = await twoFiles();
    const st = await fs.stat('dir1');
    assert.equal(st.isDirectory(), true);
    assert.equal(st.size, 2);
    assert.equal((await fs.stat('/')).size, 1);
    assert.deepEqual(await fs.readdir('dir1'), ['bar', 'foo']);
    const dirents = await fs.readdir('dir1', { withFileTypes: true });
    assert.deepEqual(dirents.map((d) => [d.name, d.isFile()]), [['bar', true], ['foo', true]]);
    for (const d of dirents) assert.equal((await fs.stat(`dir1/${d.name}`)).size, 3);
  });

  it('TestReaddirLimited: paging ends with an empty page; a fresh open restarts', async () => {
    const fs = await twoFiles();
    let h = await fs.open('dir1');
    assert.equal((await h.readdir(1)).length, 1);
    assert.equal((await h.readdir(1)).length, 1);
    assert.equal((await h.readdir(1)).length, 0);
    h = await fs.open('dir1');
    assert.equal((await h.readdir(1)).length, 1);
    assert.equal((await h.readdir(2)).length, 1);
    assert.equal((await h.readdir(2)).length, 0);
    assert.equal((await h.readdir(0)).length, 2, 'readdir(0) lists everything every time');
    await assert.rejects((await fs.open('dir1/foo')).readdir(), goErr('invalid operation'));
    await assert.rejects(fs.readdir('dir1/foo'), (e: unknown) => isKeepError(e, 'ENOTDIR'));
  });

  it('TestPathMunge: many spellings of the root and of dir1', async () => {
    const fs = await twoFiles();
    for (const p of ['.', '/', './', '///', '/../', '/./..', '']) assert.equal((await fs.stat(p)).size, 1, p);
    for (const p of ['/dir1', 'dir1', './dir1', '///dir1//.//', '../dir1/../dir1/']) assert.equal((await fs.stat(p)).size, 2, p);
    for (const p of ['.', '/', './', '///', '/../', '/./..']) assert.equal((await (await fs.open(p)).stat()).size, 1, p);
    for (const p of ['/dir1', 'dir1', './dir1', '///dir1//.//', '../dir1/../dir1/']) assert.equal((await (await fs.open(p)).stat()).size, 2, p);
    assert.equal((await fs.stat('dir1/foo/.')).size, 3, 'Clean removes /.');
    await assert.rejects(fs.stat('dir1/foo/'), (e: unknown) => isKeepError(e, 'ENOTDIR'));
    await assert.rejects(fs.stat('dir1/foo/x'), goErr('not a directory'));
  });

  it('TestNotExist', async () => {
    const fs = await twoFiles();
    for (const p of ['/no', 'no', './no', 'n/o', '/n/o', 'dir1/no', 'dir1/no/o']) {
      await assert.rejects(fs.stat(p), (e: unknown) => isKeepError(e, 'ENOENT') && (e as FsError).goMessage === 'file does not exist', p);
      await assert.rejects(fs.open(p), (e: unknown) => isKeepError(e, 'ENOENT'), p);
    }
  });

  it('TestMkdir', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    await assert.rejects(fs.mkdir('foo/bar'), (e: unknown) => isKeepError(e, 'ENOENT'));
    await fs.mkdir('foo');
    await assert.rejects(fs.mkdir('foo'), (e: unknown) => isKeepError(e, 'EEXIST'));
    await fs.writeFile('foo/file', 'x');
    await assert.rejects(fs.mkdir('foo/file'), (e: unknown) => isKeepError(e, 'EEXIST'));
    await fs.rm('foo/file');
    await fs.mkdir('foo/file', 0o700);
    assert.equal((await fs.stat('foo/file')).mode & 0o777, 0o700);
    await assert.rejects(fs.open('foo/file', 'wx'), (e: unknown) => isKeepError(e, 'EEXIST'));
    for (const p of ['', '.', 'foo/..', 'foo/.']) await assert.rejects(fs.mkdir(p), goErr('invalid argument'), p);
    await assert.rejects(fs.mkdir('foo/c/'), goErr('file does not exist'));
    assert.equal(await fs.mkdir('x/y/z', { recursive: true }), 'x');
    assert.equal(await fs.mkdir('x/y/z', { recursive: true }), undefined);
    assert.equal(await fs.marshalManifest(), './foo/file d41d8cd98f00b204e9800998ecf8427e+0 0:0:\\056\n./x/y/z d41d8cd98f00b204e9800998ecf8427e+0 0:0:\\056\n');
  });

  it('TestRemove', async () => {
    const fs = await twoFiles();
    await fs.mkdir('dir1/dir2');
    await assert.rejects(fs.rm('dir0'), (e: unknown) => isKeepError(e, 'ENOENT'));
    await assert.rejects(fs.rm('dir1/dir2/.'), (e: unknown) => isKeepError(e, 'EINVAL'));
    await assert.rejects(fs.rm('dir1/dir2/..'), (e: unknown) => isKeepError(e, 'EINVAL'));
    await assert.rejects(fs.rm('/'), (e: unknown) => isKeepError(e, 'EINVAL'));
    await assert.rejects(fs.rm('dir1'), (e: unknown) => isKeepError(e, 'ENOTEMPTY') && (e as FsError).goMessage === 'directory not empty');
    await assert.rejects(fs.rm('dir1/dir2/../../../dir1'), (e: unknown) => isKeepError(e, 'ENOTEMPTY'));
    await assert.rejects(fs.rm('dir1/foo/x'), (e: unknown) => isKeepError(e, 'ENOTDIR'));
    await fs.rm('dir1/dir2/');
    await assert.rejects(fs.stat('dir1/dir2'), (e: unknown) => isKeepError(e, 'ENOENT'));
    await assert.rejects(fs.rmdir('dir1/foo'), (e: unknown) => isKeepError(e, 'ENOTDIR'));
    await fs.unlink('dir1/foo');
    await fs.rm('dir1', { recursive: true });
    await fs.rm('dir1', { recursive: true, force: true });
    await assert.rejects(fs.rm('dir1', { recursive: true }), (e: unknown) => isKeepError(e, 'ENOENT'));
    assert.equal(await fs.marshalManifest(), '');
  });

  it('TestRenameError / TestRenameDirectory', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    await fs.mkdir('first/second/third', { recursive: true });
    await fs.writeFile('first/second/file', 'data');
    await assert.rejects(fs.rename('first', 'first/second/third'), (e: unknown) => isKeepError(e, 'EINVAL'));
    await assert.rejects(fs.rename('first', 'first/second/third/x'), goErr('invalid argument'));
    await fs.rename('first/second', 'second');
    assert.equal(await fs.readFile('second/file', 'utf8'), 'data');
    await fs.mkdir('baz');
    await assert.rejects(fs.rename('second', 'baz'), (e: unknown) => isKeepError(e, 'EISDIR') && (e as FsError).goMessage === 'cannot rename file to overwrite existing directory');
    await fs.rename('second', 'baz/');
    assert.equal(await fs.readFile('baz/second/file', 'utf8'), 'data');
    await assert.rejects(fs.rename('baz/second', '.'), (e: unknown) => isKeepError(e, 'EINVAL'));
    await assert.rejects(fs.rename('baz/..', 'x'), (e: unknown) => isKeepError(e, 'EINVAL'));
    await assert.rejects(fs.rename('missingdir/x', 'y'), goErr('"missingdir/": file does not exist'));
    await assert.rejects(fs.rename('baz/second/file', 'nosuch/'), goErr('"nosuch/": file does not exist'));
    await assert.rejects(fs.rename('baz/second/file/x', 'y'), goErr('"baz/second/file/": not a directory'));
    await assert.rejects(fs.rename('baz/nothing', 'y'), (e: unknown) => isKeepError(e, 'ENOENT'));
  });

  it('rename replaces files, moves data, and a self-rename is a harmless no-op', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    await fs.mkdir('d');
    await fs.writeFile('d/y', 'keep me');
    await fs.rename('d/y', './d/y');
    await fs.rename('d/y', 'd/y');
    assert.equal(await fs.readFile('d/y', 'utf8'), 'keep me');
    await assert.rejects(fs.rename('d', 'd'), (e: unknown) => isKeepError(e, 'EISDIR'));
    await fs.writeFile('other', 'old');
    await fs.rename('d/y', 'other');
    assert.equal(await fs.readFile('other', 'utf8'), 'keep me');
    await fs.writeFile('f', 'file');
    await fs.rename('d', 'f');
    assert.equal((await fs.stat('f')).isDirectory(), true, 'a directory may replace a file');
    // Concurrent renames across directories.
    await fs.mkdir('src');
    await fs.mkdir('dst');
    await Promise.all(Array.from({ length: 64 }, (_, i) => fs.writeFile(`src/f${i}`, `${i}`)));
    await Promise.all(Array.from({ length: 64 }, (_, i) => fs.rename(`src/f${i}`, `dst/g${i}`)));
    assert.equal((await fs.readdir('src')).length, 0);
    assert.equal(await fs.readFile('dst/g42', 'utf8'), '42');
  });

  it('.arvados#collection: JSON record at the root, not listed, read-only', async () => {
    const store = new MemoryStore();
    const fs = await CollectionFS.load('', { store, uuid: 'zzzzz-4zz18-aaaaaaaaaaaaaaa' });
    await fs.writeFile('foo', 'foo');
    const st = await fs.stat('.arvados#collection');
    assert.equal(st.name, '');
    assert.equal(st.mode & 0o777, 0o444);
    const text = await fs.readFile('.arvados#collection', 'utf8');
    assert.equal(st.size, Buffer.byteLength(text));
    assert.ok(text.startsWith(`{"uuid":"zzzzz-4zz18-aaaaaaaaaaaaaaa","etag":"","owner_uuid":"","trash_at":null,"manifest_text":". ${md5('foo')}+3 0:3:foo\\n"`), text);
    assert.ok(text.endsWith('"delete_at":null,"is_trashed":false,"properties":null}\n'), text);
    assert.equal((JSON.parse(text) as { manifest_text: string }).manifest_text, `. ${md5('foo')}+3 0:3:foo\n`);
    assert.deepEqual(await fs.readdir('/'), ['foo']);
    const h = await fs.open('.arvados#collection', 'r+');
    await assert.rejects(h.write(Buffer.from('x')), goErr('invalid operation'));
    await assert.rejects(fs.snapshot('.arvados#collection'), goErr('invalid operation'));
    await fs.rename('.arvados#collection', 'x');
    await assert.rejects(fs.stat('x'), (e: unknown) => isKeepError(e, 'ENOENT'));
    await fs.mkdir('d');
    await assert.rejects(fs.stat('d/.arvados#collection'), (e: unknown) => isKeepError(e, 'ENOENT'));
  });

  it('TestSnapshotSplice: within one collection and across collections', async () => {
    const store = new MemoryStore();
    const fs = await CollectionFS.load('', { store });
    await fs.writeFile('file1', 'stored');
    await fs.marshalManifest();
    await fs.writeFile('mem', 'unflushed');
    const snap = await fs.snapshot('/');
    assert.equal(snap.isDirectory, true);
    await fs.splice('dir1', snap);
    assert.equal(await fs.readFile('dir1/file1', 'utf8'), 'stored');
    assert.equal(await fs.readFile('dir1/mem', 'utf8'), 'unflushed');
    await fs.writeFile('mem', 'changed');
    assert.equal(await fs.readFile('dir1/mem', 'utf8'), 'unflushed', 'memory data was copied');
    const other = await CollectionFS.load('', { store });
    await other.splice('copy', snap);
    await other.splice('again', snap);
    assert.deepEqual(await other.readdir('copy'), ['file1', 'mem']);
    assert.equal(await other.readFile('again/file1', 'utf8'), 'stored');
    const fileSnap = await fs.snapshot('file1');
    await assert.rejects(fs.splice('/', fileSnap), goErr('cannot use Splice to replace a top-level directory with a file: invalid operation'));
    await fs.splice('dir1', fileSnap);
    assert.equal((await fs.stat('dir1')).isFile(), true);
    await assert.rejects(fs.splice('nodir/x', fileSnap), goErr('open nodir/x: file does not exist'));
    await assert.rejects(fs.snapshot('nope'), (e: unknown) => isKeepError(e, 'ENOENT'));
  });

  it('TestMalformedManifests: load rejects with the Go texts', async () => {
    const store = new MemoryStore();
    const cases: Array<[string, string]> = [
      ['. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo', 'malformed manifest_text: line 1: no trailing newline'],
      ['. 0:3:foo\n', 'malformed manifest_text: line 1: bad locator "0:3:foo"'],
      ['. acbd18db4cc2f85cedef654fccc4a4d8+3\n', 'malformed manifest_text: line 1: no file segments'],
      ['. acbd18db4cc2f85cedef654fccc4a4d8+3 0:4:foo\n', 'malformed manifest_text: line 1: invalid segment in 3-byte stream: "0:4:foo"'],
    ];
    for (const [text, msg] of cases) {
      await assert.rejects(CollectionFS.load(text, { store }), (e: unknown) => isKeepError(e, 'ERR_MANIFEST_SYNTAX') && (e as Error).message === msg, text);
    }
    const fs = await CollectionFS.load(`./foo:foo ${md5('foo')}+3 0:3:bar:bar\n`, { store });
    assert.deepEqual(await fs.readdir('foo:foo'), ['bar:bar']);
  });
});
