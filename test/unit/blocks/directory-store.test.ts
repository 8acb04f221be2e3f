import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile, mkdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { isKeepError } from '../../../src/errors.js';
import { DirectoryStore } from '../../../src/blocks/directory-store.js';
import { HashPool } from '../../../src/blocks/hash-pool.js';
import { blocksMd5, blocksRandom, blocksTempDir } from '../../helpers/blocks-tmp.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await blocksTempDir('dirstore-unit');
  try {
    await fn(dir);
  } finally {
    await cleanup();
  }
}

function code(c: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(isKeepError(err), `not a KeepError: ${String(err)}`);
    assert.equal(err.code, c, err.message);
    return true;
  };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('DirectoryStore', () => {
  it('stores a block at <root>/<hash[0:3]>/<hash> and leaves no temp file', () => withDir(async (root) => {
    const store = await DirectoryStore.open({ root, minFreeBytes: 0 });
    const data = blocksRandom(5000);
    const h = blocksMd5(data);
    const r = await store.put(data);
    assert.equal(r.locator, `${h}+5000`);
    assert.deepEqual(new Uint8Array(await readFile(join(root, h.slice(0, 3), h))), data);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
  }));

  it('reports its storage classes and replication in PutResult', () => withDir(async (root) => {
    const store = await DirectoryStore.open({ root, minFreeBytes: 0, storageClasses: ['hot', 'archive'], replication: 2 });
    const r = await store.put(blocksRandom(10));
    assert.equal(r.replicas, 2);
    assert.deepEqual(r.storageClasses, { hot: 2, archive: 2 });
  }));

  it('whole-block reads verify md5 and report corruption as ERR_HASH_MISMATCH', () => withDir(async (root) => {
    const store = await DirectoryStore.open({ root, minFreeBytes: 0 });
    for (const size of [1000, 1 << 20]) {
      const data = blocksRandom(size);
      const { locator } = await store.put(data);
      const h = blocksMd5(data);
      const bad = Uint8Array.from(data);
      bad[size >> 1] = (bad[size >> 1] ?? 0) ^ 1;
      await writeFile(join(root, h.slice(0, 3), h), bad);
      await assert.rejects(store.get(locator), code('ERR_HASH_MISMATCH'));
      // verify: false skips the check; ranged reads are not verified.
      assert.deepEqual(await store.get(locator, { verify: false }), bad);
      assert.deepEqual(await store.get(locator, { offset: 0, length: 100 }), bad.subarray(0, 100));
      const lax = new DirectoryStore({ root, minFreeBytes: 0, verify: false });
      assert.deepEqual(await lax.get(locator), bad);
    }
  }));

  it('a put with hashChecked does not hash again; without it the given hash is checked', () => withDir(async (root) => {
    const pool = new HashPool({ threads: 1 });
    let calls = 0;
    const md5 = pool.md5.bind(pool);
    pool.md5 = (d, o) => {
      calls++;
      return md5(d, o);
    };
    try {
      const store = await DirectoryStore.open({ root, minFreeBytes: 0, hashPool: pool });
      const data = blocksRandom(400_000);
      const h = blocksMd5(data);
      assert.equal((await store.put(data, { hash: h, hashChecked: true })).locator, `${h}+400000`);
      assert.equal(calls, 0);
      assert.deepEqual(new Uint8Array(await readFile(join(root, h.slice(0, 3), h))), data);
      await store.put(data, { hash: h, hashChecked: true }); // already there: touched, not hashed
      assert.equal(calls, 0);
      const other = blocksRandom(400_000);
      await assert.rejects(store.put(other, { hash: h }), code('ERR_HASH_MISMATCH'));
      assert.equal(calls, 1);
    } finally {
      await pool.close();
    }
  }));

  it('readStream reads in chunks of streamChunkBytes and checks md5 before the last chunk', () => withDir(async (root) => {
    const store = await DirectoryStore.open({ root, minFreeBytes: 0, streamChunkBytes: 1000 });
    const data = blocksRandom(3500);
    const h = blocksMd5(data);
    const { locator } = await store.put(data);
    const good = await store.readStream(locator);
    assert.equal(good.size, 3500);
    const sizes = (await collect(good.chunks)).map((c) => c.byteLength);
    assert.deepEqual(sizes, [1000, 1000, 1000, 500]);
    const bad = Uint8Array.from(data);
    bad[10] = (bad[10] ?? 0) ^ 1;
    await writeFile(join(root, h.slice(0, 3), h), bad);
    // The first three chunks go out (the damage is not known yet); the last never does.
    const seen: Uint8Array[] = [];
    await assert.rejects((async () => {
      for await (const c of (await store.readStream(locator)).chunks) seen.push(Uint8Array.from(c));
    })(), code('ERR_HASH_MISMATCH'));
    assert.deepEqual(seen.map((c) => c.byteLength), [1000, 1000, 1000]);
    assert.deepEqual(seen[0], bad.subarray(0, 1000));
    // verify: false (per read or per store) streams the stored bytes as they are.
    assert.equal((await collect((await store.readStream(locator, { verify: false })).chunks)).length, 4);
    const lax = new DirectoryStore({ root, minFreeBytes: 0, verify: false, streamChunkBytes: 1000 });
    assert.equal((await collect((await lax.readStream(locator)).chunks)).length, 4);
  }));

  it('readStream of a block that shrank after it was opened is ERR_HASH_MISMATCH; one removed is ERR_BLOCK_NOT_FOUND', () => withDir(async (root) => {
    const store = await DirectoryStore.open({ root, minFreeBytes: 0 });
    const data = blocksRandom(2000);
    const h = blocksMd5(data);
    const { locator } = await store.put(data);
    const shrunk = await store.readStream(locator);
    await writeFile(join(root, h.slice(0, 3), h), data.subarray(0, 100));
    await assert.rejects(collect(shrunk.chunks), code('ERR_HASH_MISMATCH'));
    const removed = await store.readStream(locator);
    await store.delete(locator);
    await assert.rejects(collect(removed.chunks), code('ERR_BLOCK_NOT_FOUND'));
    assert.throws(() => new DirectoryStore({ root, streamChunkBytes: 0 }), code('ERR_INVALID_ARGUMENT'));
  }));

  it('a re-put of a block whose stored copy has the wrong size replaces the damaged copy', () => withDir(async (root) => {
    const store = await DirectoryStore.open({ root, minFreeBytes: 0 });
    const data = blocksRandom(3000);
    const h = blocksMd5(data);
    const { locator } = await store.put(data);
    await writeFile(join(root, h.slice(0, 3), h), data.subarray(0, 100));
    await store.put(data);
    assert.deepEqual(await store.get(locator), data);
  }));

  it('refuses a put with ERR_STORAGE_FULL "storage full" when statfs shows too little space', () => withDir(async (root) => {
    let bavail = 10;
    const store = await DirectoryStore.open({ root, minFreeBytes: 1000, statfs: async () => ({ bavail, bsize: 4096 }) });
    // 40960 bytes free: 30000 leaves 10960 >= 1000 (accepted); 40000 leaves 960 < 1000 (refused).
    await store.put(blocksRandom(30_000));
    await assert.rejects(store.put(blocksRandom(40_000)), (err: unknown) => {
      assert.ok(isKeepError(err, 'ERR_STORAGE_FULL'));
      assert.match(err.message, /storage full/);
      return true;
    });
    bavail = 1000;
    await store.put(blocksRandom(40_000));
    assert.equal((await collect(store.list())).length, 2);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
  }));

  it('uses the real statfs by default (a huge minFreeBytes refuses puts)', () => withDir(async (root) => {
    const store = await DirectoryStore.open({ root, minFreeBytes: Number.MAX_SAFE_INTEGER });
    await assert.rejects(store.put(blocksRandom(10)), code('ERR_STORAGE_FULL'));
  }));

  it('a read-only volume serves reads and refuses writes with ERR_PERMISSION_DENIED', () => withDir(async (root) => {
    const rw = await DirectoryStore.open({ root, minFreeBytes: 0 });
    const data = blocksRandom(100);
    const { locator } = await rw.put(data);
    const ro = await DirectoryStore.open({ root, readOnly: true });
    assert.equal(ro.readOnly, true);
    assert.deepEqual(await ro.get(locator), data);
    assert.equal((await ro.head(locator)).size, 100);
    await assert.rejects(ro.put(blocksRandom(10)), code('ERR_PERMISSION_DENIED'));
    await assert.rejects(ro.touch(locator), code('ERR_PERMISSION_DENIED'));
    await assert.rejects(ro.trash(locator), code('ERR_PERMISSION_DENIED'));
    await assert.rejects(ro.delete(locator), code('ERR_PERMISSION_DENIED'));
  }));

  it('a read-only volume creates nothing and a missing root lists nothing', () => withDir(async (dir) => {
    const root = join(dir, 'absent');
    const ro = await DirectoryStore.open({ root, readOnly: true });
    assert.deepEqual(await collect(ro.list()), []);
    await assert.rejects(ro.get(`${blocksMd5(new Uint8Array(1))}+1`), code('ERR_BLOCK_NOT_FOUND'));
    assert.deepEqual(await readdir(dir), []);
  }));

  it('list ignores temp files, trash, and foreign files', () => withDir(async (root) => {
    const store = await DirectoryStore.open({ root, minFreeBytes: 0 });
    const a = blocksRandom(10);
    const b = blocksRandom(20);
    await store.put(a);
    const rb = await store.put(b);
    await store.trash(rb.locator);
    const ha = blocksMd5(a);
    await writeFile(join(root, 'tmp', `${process.pid}.abc.tmp`), 'partial');
    await writeFile(join(root, ha.slice(0, 3), 'README'), 'x');
    await writeFile(join(root, ha.slice(0, 3), `${ha.slice(0, 31)}g`), 'x');
    await mkdir(join(root, 'zzz'));
    const listed = await collect(store.list());
    assert.deepEqual(listed.map((i) => [i.hash, i.size]), [[ha, 10]]);
  }));

  it('trash moves the block to <root>/trash, untrash restores it, emptyTrash deletes old entries', () => withDir(async (root) => {
    let now = Date.now();
    const store = await DirectoryStore.open({ root, minFreeBytes: 0, now: () => now });
    const data = blocksRandom(100);
    const h = blocksMd5(data);
    const { locator } = await store.put(data);
    await store.trash(locator);
    assert.deepEqual(await readdir(join(root, 'trash')), [h]);
    await store.untrash(locator);
    assert.deepEqual(await store.get(locator), data);
    await store.trash(locator);
    assert.equal(await store.emptyTrash(60_000), 0);
    now += 120_000;
    assert.equal(await store.emptyTrash(60_000), 1);
    await assert.rejects(store.untrash(locator), code('ERR_BLOCK_NOT_FOUND'));
  }));

  it('touch and idempotent put set mtime from the injected clock', () => withDir(async (root) => {
    let now = Date.UTC(2030, 0, 1);
    const store = await DirectoryStore.open({ root, minFreeBytes: 0, now: () => now });
    const data = blocksRandom(100);
    const { locator } = await store.put(data);
    const h = blocksMd5(data);
    await utimes(join(root, h.slice(0, 3), h), new Date(1000), new Date(1000));
    await store.put(data);
    assert.equal((await store.head(locator)).mtimeMs, now);
    now += 5000;
    await store.touch(locator);
    assert.equal((await stat(join(root, h.slice(0, 3), h))).mtimeMs, now);
    now += 5000;
    await store.put(data, { hash: h });
    assert.equal((await store.head(locator)).mtimeMs, now);
  }));

  it('a put with the hash of a stored block but different data is ERR_HASH_MISMATCH and keeps the stored block', () => withDir(async (root) => {
    const store = await DirectoryStore.open({ root, minFreeBytes: 0 });
    const data = blocksRandom(100);
    const { locator } = await store.put(data);
    await assert.rejects(store.put(blocksRandom(100), { hash: blocksMd5(data) }), code('ERR_HASH_MISMATCH'));
    assert.deepEqual(await store.get(locator), data);
  }));

  it('opening removes temp files of dead processes but keeps those of live ones', () => withDir(async (root) => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    await mkdir(join(root, 'tmp'), { recursive: true });
    await writeFile(join(root, 'tmp', `${deadPid}.aaaa.tmp`), 'partial');
    await writeFile(join(root, 'tmp', 'garbage'), 'partial');
    await writeFile(join(root, 'tmp', `${process.pid}.bbbb.tmp`), 'in progress');
    await DirectoryStore.open({ root });
    assert.deepEqual(await readdir(join(root, 'tmp')), [`${process.pid}.bbbb.tmp`]);
  }));

  it('rejects bad options', () => {
    assert.throws(() => new DirectoryStore({ root: '' }), code('ERR_INVALID_ARGUMENT'));
    assert.throws(() => new DirectoryStore({ root: '/x', replication: 0 }), code('ERR_INVALID_ARGUMENT'));
    assert.throws(() => new DirectoryStore({ root: '/x', minFreeBytes: -1 }), code('ERR_INVALID_ARGUMENT'));
  });

  it('a root below a regular file fails with ERR_VOLUME_UNAVAILABLE', () => withDir(async (dir) => {
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    const store = new DirectoryStore({ root: join(file, 'sub'), minFreeBytes: 0 });
    await assert.rejects(store.put(blocksRandom(10)), code('ERR_VOLUME_UNAVAILABLE'));
    await assert.rejects(store.get(`${blocksMd5(new Uint8Array(1))}+1`), code('ERR_VOLUME_UNAVAILABLE'));
  }));
});
