// CollectionFS file I/O: create, read/write, seek, sparse writes, truncate, flags, streams.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { isKeepError } from '../../../src/errors.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { FsError } from '../../../src/fs/fs-error.js';
import { TestStore } from './_stores.js';

const md5 = (s: string | Uint8Array): string => createHash('md5').update(s).digest('hex');
const { O_RDWR, O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_TRUNC, O_SYNC } = constants;

function goError(err: unknown): string {
  assert.ok(err instanceof FsError, `expected FsError, got ${String(err)}`);
  return err.goMessage;
}

describe('CollectionFS file I/O', () => {
  it('TestCreateFile: create, O_EXCL refuses, reopen sees the data, name escaped in the manifest', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    const h = await fs.open('new-file 1', O_CREAT | O_RDWR);
    assert.equal((await h.write(Buffer.from([1, 2, 3]))).bytesWritten, 3);
    await h.close();
    await assert.rejects(fs.open('new-file 1', O_CREAT | O_RDWR | O_EXCL), (e: unknown) => isKeepError(e, 'EEXIST') && goError(e) === 'file already exists');
    const h2 = await fs.open('new-file 1', 'r');
    assert.equal((await h2.stat()).size, 3);
    const m = await fs.marshalManifest();
    assert.match(m, / 0:3:new-file\\0401\n$/);
    assert.equal(m, `. ${md5(Buffer.from([1, 2, 3]))}+3 0:3:new-file\\0401\n`);
  });

  it('TestReadWriteFile: split a stored extent, multi-block writes, truncate grow/shrink segment counts', async () => {
    const store = new MemoryStore();
    await store.put(Buffer.from('foo'));
    const fs = await CollectionFS.load(`. ${md5('foo')}+3 0:3:f\n`, { store, blockSize: 8 });
    const h = await fs.open('f', 'r+');
    const buf = Buffer.alloc(64);
    const r = await h.read(buf, 0, 64, null);
    assert.equal(r.bytesRead, 3);
    assert.equal((await h.read(buf, 0, 64, null)).bytesRead, 0, 'EOF');
    await h.write('*', 1);
    assert.equal(await fs.readFile('f', 'latin1'), 'f*o');
    await h.write('0123456789abcdefg', 1);
    assert.equal(await fs.readFile('f', 'latin1'), 'f0123456789abcdefg');
    await fs.marshalManifest();
    // Segment counts through memorySize: all memory segments after growth (64 + len each).
    await h.truncate(20);
    await fs.marshalManifest();
    await h.truncate(64);
    const stored = fs.memorySize();
    await h.truncate(32);
    assert.ok(fs.memorySize() < stored);
    assert.equal((await fs.stat('f')).size, 32);
    await h.truncate(15);
    assert.equal(await fs.readFile('f', 'latin1'), 'f0123456789abcd');
    const fresh = await CollectionFS.load('', { store, blockSize: 8 });
    const g = await fresh.open('g', 'w+');
    await g.truncate(20);
    await g.truncate(64);
    // 64 bytes of zeros in 8-byte memory segments: root 64 + file 64 + 8 × (64 + 8)
    assert.equal(fresh.memorySize(), 64 + 64 + 8 * (64 + 8));
    await g.truncate(32);
    assert.equal(fresh.memorySize(), 64 + 64 + 4 * (64 + 8));
    await g.truncate(15);
    assert.equal(fresh.memorySize(), 64 + 64 + (64 + 8) + (64 + 7));
    assert.deepEqual(await fresh.readFile('g'), Buffer.alloc(15));
  });

  it('TestSeekSparse: seeking past EOF does not grow; writes (even empty) extend with zeros', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    const h = await fs.open('sparse', O_CREAT | O_RDWR);
    const size = async (): Promise<number> => (await h.stat()).size;
    assert.equal(h.seek(2, 2), 2);
    assert.equal(await size(), 0);
    await h.write(Buffer.from('x'));
    assert.equal(await size(), 3);
    assert.equal(h.seek(2, 1), 5);
    assert.equal(await size(), 3);
    await h.write(Buffer.alloc(0));
    assert.equal(await size(), 5);
    h.seek(8, 0);
    assert.equal((await h.read(Buffer.alloc(4), 0, 4, null)).bytesRead, 0);
    assert.equal(await size(), 5);
    await h.write(Buffer.from('abc'));
    assert.equal(await size(), 11);
    assert.deepEqual(await fs.readFile('sparse'), Buffer.from('\0\0x\0\0\0\0\0abc', 'latin1'));
    assert.throws(() => h.seek(-1, 0), (e: unknown) => isKeepError(e, 'EINVAL') && goError(e) === 'cannot seek to negative offset');
    assert.equal(h.position, 11, 'failed seek leaves the position');
  });

  it('TestMarshalSmallBlocks: small files are packed in name order', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore(), blockSize: 8 });
    for (const n of ['foo', 'bar', 'baz']) await fs.writeFile(n, n);
    assert.equal(await fs.marshalManifest(), `. c3c23db5285662ef7172373df0003206+6 ${md5('foo')}+3 0:3:bar 3:3:baz 6:3:foo\n`);
  });

  it('TestOpenFileFlags: append, access modes, O_SYNC, invalid modes, O_TRUNC', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    const h = await fs.open('f', O_CREAT | O_RDWR);
    await h.write(Buffer.from([1, 2, 3]));
    h.seek(0, 0);
    await h.read(Buffer.alloc(1), 0, 1, null);
    assert.equal(h.position, 1);
    await h.write(Buffer.from([4, 5, 6]));
    assert.equal(h.position, 4);
    const a = await fs.open('f', O_RDWR | O_APPEND);
    assert.equal(a.position, 0);
    await a.read(Buffer.alloc(3), 0, 3, null);
    assert.equal(a.position, 3);
    await a.write(Buffer.from([7, 8, 9]));
    assert.equal(a.position, 7);
    assert.deepEqual(await fs.readFile('f'), Buffer.from([1, 4, 5, 6, 7, 8, 9]));
    const w = await fs.open('f', O_WRONLY);
    await assert.rejects(w.read(Buffer.alloc(1)), (e: unknown) => isKeepError(e, 'EBADF') && goError(e) === 'file is O_WRONLY');
    const ro = await fs.open('f', O_RDONLY);
    await assert.rejects(ro.write(Buffer.from('x')), (e: unknown) => isKeepError(e, 'EBADF') && goError(e) === 'read-only file');
    await ro.truncate(2); // read-only handles may truncate (Go)
    assert.equal((await fs.stat('f')).size, 2);
    await assert.rejects(fs.open('f', O_RDWR | O_SYNC), (e: unknown) => isKeepError(e, 'ENOTSUP') && goError(e) === 'O_SYNC flag is not supported');
    await assert.rejects(fs.open('f', 'rs+'), (e: unknown) => isKeepError(e, 'ENOTSUP'));
    await assert.rejects(fs.open('f', O_RDWR | O_WRONLY), (e: unknown) => isKeepError(e, 'EINVAL') && goError(e) === 'invalid flags 0x3');
    await assert.rejects(fs.open('f', O_RDONLY | O_TRUNC), (e: unknown) => goError(e) === 'invalid flag O_TRUNC in read-only mode');
    await fs.mkdir('d');
    await assert.rejects(fs.open('d', O_RDWR | O_TRUNC), (e: unknown) => goError(e) === 'invalid flag O_TRUNC when opening directory');
    await assert.rejects(fs.open('missing', 'r'), (e: unknown) => isKeepError(e, 'ENOENT'));
    const created = await fs.open('made-by-rdonly', O_CREAT | O_RDONLY);
    assert.equal((await created.stat()).size, 0);
    assert.equal((await fs.stat('made-by-rdonly')).mode & 0o777, 0o755);
    await fs.writeFile('f', 'hello');
    const wt = await fs.open('f', 'w');
    assert.equal((await wt.stat()).size, 0, "'w' truncates");
    await fs.appendFile('f', 'ab');
    await fs.appendFile('f', 'cd');
    assert.equal(await fs.readFile('f', 'utf8'), 'abcd');
    await assert.rejects(fs.writeFile('f', 'x', { flag: 'wx' }), (e: unknown) => isKeepError(e, 'EEXIST'));
    await h.close();
    await assert.rejects(h.write(Buffer.from('x')), (e: unknown) => isKeepError(e, 'EBADF'));
  });

  it('reads and writes on a directory handle are invalid operations', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    await fs.mkdir('d');
    const d = await fs.open('d', O_RDWR);
    await assert.rejects(d.write(Buffer.from('x')), (e: unknown) => isKeepError(e, 'ENOTSUP') && goError(e) === 'invalid operation');
    await assert.rejects(d.read(Buffer.alloc(1)), (e: unknown) => goError(e) === 'invalid operation');
    await assert.rejects(fs.truncate('d', 1), (e: unknown) => goError(e) === 'invalid operation');
  });

  it('positional reads span segments and stored blocks', async () => {
    const store = new TestStore();
    const fs = await CollectionFS.load('', { store, blockSize: 8 });
    const data = Buffer.from('abcdefghijklmnopqrstuvwxyz');
    await fs.writeFile('x', data);
    await fs.marshalManifest();
    const h = await fs.open('x', 'r+');
    await h.write('__', 10);
    const out = Buffer.alloc(20);
    const r = await h.read(out, 0, 20, 3);
    assert.equal(r.bytesRead, 20);
    assert.equal(out.toString(), 'defghij__mnopqrstuvw');
    assert.equal(h.position, 0, 'positional read does not move the handle');
    const it: string[] = [];
    for await (const chunk of (await fs.open('x')).chunks(7)) it.push(Buffer.from(chunk).toString());
    assert.equal(it.join(''), 'abcdefghij__mnopqrstuvwxyz');
  });

  it('copyFile shares stored segments and copies memory data', async () => {
    const store = new TestStore();
    const fs = await CollectionFS.load('', { store });
    await fs.writeFile('a', 'stored data');
    await fs.marshalManifest();
    const puts = store.puts;
    await fs.copyFile('a', 'b');
    await fs.writeFile('c', 'mem');
    await fs.copyFile('c', 'd');
    await fs.writeFile('c', 'changed');
    assert.equal(await fs.readFile('d', 'utf8'), 'mem');
    const m = await fs.marshalManifest();
    assert.equal(store.puts, puts + 1, 'one new block for the small files, none for the copy of a');
    assert.ok(m.includes(`0:11:a 0:11:b`), m);
    await assert.rejects(fs.copyFile('a', 'b', constants.COPYFILE_EXCL), (e: unknown) => isKeepError(e, 'EEXIST'));
    await assert.rejects(fs.copyFile('nope', 'z'), (e: unknown) => isKeepError(e, 'ENOENT'));
  });

  it('createWriteStream / createReadStream round-trip', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore(), blockSize: 1024 });
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(100, i));
    await pipeline(Readable.from(chunks), fs.createWriteStream('s'));
    const got: Buffer[] = [];
    for await (const c of fs.createReadStream('s', { highWaterMark: 333 })) got.push(c as Buffer);
    assert.deepEqual(Buffer.concat(got), Buffer.concat(chunks));
    const part: Buffer[] = [];
    for await (const c of fs.createReadStream('s', { start: 150, end: 249 })) part.push(c as Buffer);
    assert.deepEqual(Buffer.concat(part), Buffer.concat(chunks).subarray(150, 250));
  });

  it('TestPersist: concurrent writes to odd names survive marshal and reload', async () => {
    const store = new MemoryStore();
    const fs = await CollectionFS.load('', { store, blockSize: 1024 });
    await fs.mkdir('d:r');
    const names = ['foo', 'bar baz', 'f:o', 'b\\z', 'd:r/sub file'];
    const expected = new Map<string, Buffer>();
    await Promise.all(
      names.map(async (n, i) => {
        const h = await fs.open(n, 'w');
        const parts: Buffer[] = [];
        for (let j = 0; j < 100; j++) {
          const b = Buffer.from(`${i}${j % 10}abc`.slice(0, 5));
          parts.push(b);
          await h.write(b);
        }
        expected.set(n, Buffer.concat(parts));
      }),
    );
    const m = await fs.marshalManifest();
    const again = await CollectionFS.load(m, { store, blockSize: 1024 });
    for (const [n, data] of expected) assert.deepEqual(await again.readFile(n), data, n);
    assert.equal(await again.marshalManifest(), m);
  });

  it('TestPersistEmptyFilesAndDirs: empty files and nested empty dirs survive a round trip', async () => {
    const store = new MemoryStore();
    const fs = await CollectionFS.load('', { store });
    await fs.writeFile('empty', '');
    await fs.mkdir('emptydir');
    await fs.mkdir('a/b/c', { recursive: true });
    await fs.writeFile('a/b/e', '');
    const m = await fs.marshalManifest();
    assert.equal(m, '. d41d8cd98f00b204e9800998ecf8427e+0 0:0:empty\n./a/b d41d8cd98f00b204e9800998ecf8427e+0 0:0:e\n./a/b/c d41d8cd98f00b204e9800998ecf8427e+0 0:0:\\056\n./emptydir d41d8cd98f00b204e9800998ecf8427e+0 0:0:\\056\n');
    const again = await CollectionFS.load(m, { store });
    assert.deepEqual(await again.readdir(''), ['a', 'empty', 'emptydir']);
    assert.deepEqual(await again.readdir('a/b'), ['c', 'e']);
    assert.equal((await again.stat('emptydir')).isDirectory(), true);
    assert.equal(await again.marshalManifest(), m);
  });

  it('UTF-8 names and content round-trip; prefix is escaped', async () => {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    await fs.writeFile('café ⛵', 'ü');
    assert.deepEqual(await fs.readdir(''), ['café ⛵']);
    assert.equal(await fs.readFile('café ⛵', 'utf8'), 'ü');
    assert.equal(await fs.marshalManifest('./x y'), `./x\\040y ${md5('ü')}+2 0:2:café\\040⛵\n`);
    assert.equal(fs.size(), 2);
  });
});
