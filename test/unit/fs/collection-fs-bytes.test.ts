// CollectionFS Buffer paths: names are byte strings, so a name that is not valid UTF-8 (here the
// latin1 byte 0xE9 alone) must be reachable by its exact bytes, as node:fs does with Buffer paths.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { FsError } from '../../../src/fs/fs-error.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const code = (c: string) => (e: unknown): boolean => (e as { code?: string }).code === c;
const E9 = Buffer.from([0xe9]);
const bytes = (...parts: (string | Buffer)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

/** `d/\351` ("foo", a non-UTF-8 name) and `d/é` ("bar", the UTF-8 bytes c3 a9). */
async function tree(): Promise<CollectionFS> {
  const store = new MemoryStore();
  await store.put(Buffer.from('foobar'));
  return CollectionFS.load(`./d ${md5('foobar')}+6 0:3:\\351 3:3:\\303\\251\n`, { store });
}

describe('CollectionFS Buffer paths', () => {
  it('a manifest with a non-UTF-8 name loads and readdir(buffer) gives its exact bytes', async () => {
    const fs = await tree();
    const names = await fs.readdir('d', { encoding: 'buffer' });
    // Names sort by bytes: c3 a9 before e9.
    assert.deepEqual(names, [Buffer.from('é'), E9]);
    assert.deepEqual(await fs.readdir(Buffer.from('d'), 'buffer'), names);
    // utf8 (default) cannot show 0xE9; latin1 gives the byte string.
    assert.deepEqual(await fs.readdir('d'), ['é', '\uFFFD']);
    assert.deepEqual(await fs.readdir('d', { encoding: 'latin1' }), ['\u00c3\u00a9', '\u00e9']);
    assert.deepEqual(await fs.readdir('d', 'hex'), ['c3a9', 'e9']);
    const dirents = await fs.readdir('d', { withFileTypes: true, encoding: 'buffer' });
    assert.deepEqual(dirents.map((d) => d.name), [Buffer.from('é'), E9]);
    assert.equal(dirents[1]!.isFile(), true);
    assert.equal(dirents[0]!.parentPath, 'd');
    const utf = await fs.readdir('d', { withFileTypes: true });
    assert.deepEqual(utf.map((d) => d.name), ['é', '\uFFFD']);
  });

  it('stat/open/read via a Buffer path reach the non-UTF-8 name', async () => {
    const fs = await tree();
    const p = bytes('d/', E9);
    const st = await fs.stat(p);
    assert.equal(st.size, 3);
    assert.equal((await fs.lstat(p)).ino, st.ino);
    await fs.access(p);
    assert.equal(await fs.readFile(p, 'utf8'), 'foo');
    const h = await fs.open(p, 'r');
    assert.equal((await h.stat()).ino, st.ino);
    await h.close();
    // The string spelling with U+FFFD is a different (missing) name.
    await assert.rejects(fs.stat('d/\uFFFD'), code('ENOENT'));
    // A Uint8Array (not a Buffer) works the same, also as a view into a larger buffer.
    const big = new Uint8Array([0, 0x64, 0x2f, 0xe9, 0]);
    assert.equal((await fs.stat(big.subarray(1, 4))).ino, st.ino);
  });

  it('a Buffer path equal to a UTF-8 name reaches the same file as the string', async () => {
    const fs = await tree();
    assert.equal((await fs.stat(Buffer.from('d/é'))).ino, (await fs.stat('d/é')).ino);
    assert.equal(await fs.readFile(Buffer.from('d/é'), 'utf8'), 'bar');
    assert.equal((await fs.stat(Buffer.from('d'))).ino, (await fs.stat('d')).ino);
    assert.equal((await fs.stat(Buffer.from('/d/./x/../é'.replace('x/../', '')))).ino, (await fs.stat('d/é')).ino);
  });

  it('rename, write, mkdir, copy and unlink via Buffer paths; marshal keeps the escaped bytes', async () => {
    const fs = await tree();
    await fs.mkdir(bytes('e', E9));
    await fs.rename(bytes('d/', E9), bytes('e', E9, '/', E9, 'x'));
    await fs.writeFile(bytes('e', E9, '/n', E9), 'new');
    await fs.appendFile(bytes('e', E9, '/n', E9), '!');
    await fs.copyFile(bytes('e', E9, '/n', E9), bytes('e', E9, '/c', E9));
    await fs.unlink(Buffer.from('d/é'));
    // Manifests keep non-ASCII bytes raw (only space, tab, newline and backslash are escaped).
    const m = Buffer.from(await fs.marshalManifestBytes());
    assert.ok(m.includes(bytes('./e', E9, ' ')), m.toString('latin1'));
    for (const name of [bytes(':c', E9, ' '), bytes(':n', E9, ' '), bytes(':', E9, 'x\n')]) assert.ok(m.includes(name), m.toString('latin1'));
    assert.ok(m.includes(bytes('./d ')), m.toString('latin1'));
    // The same name loads back from those bytes.
    const again = await CollectionFS.load(m, { store: new MemoryStore() });
    assert.deepEqual(await again.readdir(bytes('e', E9), 'buffer'), [bytes('c', E9), bytes('n', E9), bytes(E9, 'x')]);
    assert.equal(await fs.readFile(bytes('e', E9, '/c', E9), 'utf8'), 'new!');
    assert.deepEqual(await fs.readdir(bytes('e', E9), 'buffer'), [bytes('c', E9), bytes('n', E9), bytes(E9, 'x')]);
    await fs.truncate(bytes('e', E9, '/c', E9), 1);
    assert.equal((await fs.stat(bytes('e', E9, '/c', E9))).size, 1);
    await fs.rm(bytes('e', E9), { recursive: true });
    await fs.rmdir(Buffer.from('d'));
    assert.equal(await fs.marshalManifest(), '');
  });

  it('streams, snapshot/splice and flush take Buffer paths', async () => {
    const fs = await tree();
    const chunks: Buffer[] = [];
    for await (const c of fs.createReadStream(bytes('d/', E9))) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'foo');
    const snap = await fs.snapshot(bytes('d/', E9));
    await fs.splice(bytes('d/s', E9), snap);
    assert.equal(await fs.readFile(bytes('d/s', E9), 'utf8'), 'foo');
    await new Promise<void>((resolve, reject) => {
      const w = fs.createWriteStream(bytes('d/w', E9));
      w.on('finish', resolve).on('error', reject);
      w.end('ww');
    });
    assert.equal(await fs.readFile(bytes('d/w', E9), 'utf8'), 'ww');
    await fs.flush(Buffer.from('d'), { shortBlocks: true });
    await fs.flush(Buffer.alloc(0));
  });

  it('errors carry the path as the UTF-8 string form of the Buffer, like node:fs', async () => {
    const fs = await tree();
    const err = await fs.stat(bytes('d/missing', E9)).then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof FsError);
    assert.equal(err.code, 'ENOENT');
    assert.equal(err.path, 'd/missing\uFFFD');
    assert.equal(err.message, "ENOENT: no such file or directory, stat 'd/missing\uFFFD'");
    await assert.rejects(fs.mkdir(bytes('d/', E9)), code('EEXIST'));
    await assert.rejects(fs.rm(bytes('nope', E9)), code('ENOENT'));
    await fs.rm(bytes('nope', E9), { force: true });
  });

  it('invalid path and encoding arguments are TypeErrors like node:fs', async () => {
    const fs = await tree();
    const badType = (e: unknown): boolean => e instanceof TypeError && code('ERR_INVALID_ARG_TYPE')(e);
    for (const bad of [42, null, undefined, {}, ['d']] as unknown[]) {
      await assert.rejects(fs.stat(bad as string), badType, String(bad));
      await assert.rejects(fs.open(bad as string), badType);
      await assert.rejects(fs.readdir(bad as string), badType);
      await assert.rejects(fs.rename('d', bad as string), badType);
      await assert.rejects(fs.unlink(bad as string), badType);
      await assert.rejects(fs.mkdir(bad as string), badType);
    }
    assert.throws(() => fs.createReadStream(42 as unknown as string), badType);
    assert.throws(() => fs.createWriteStream({} as unknown as string), badType);
    await assert.rejects(fs.readdir('d', { encoding: 'nope' as BufferEncoding }), (e: unknown) => e instanceof TypeError && code('ERR_INVALID_ARG_VALUE')(e));
  });
});
