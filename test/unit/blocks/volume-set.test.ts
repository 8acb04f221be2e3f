import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isKeepError, KeepError } from '../../../src/errors.js';
import type { BlockStore, PutOptions } from '../../../src/blocks/block-store.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { HashPool } from '../../../src/blocks/hash-pool.js';
import { VolumeSet, type VolumeConfig } from '../../../src/blocks/volume-set.js';

const md5 = (d: Uint8Array | string): string => createHash('md5').update(d).digest('hex');
const QUX = new TextEncoder().encode('qux');
const QUX_LOC = `${md5('qux')}+3`;
// For md5("qux") keepstore's order is 111, 121, 222 (reference §7.1).
const U111 = 'zzzzz-nyw5e-111111111111111';
const U121 = 'zzzzz-nyw5e-121212121212121';
const U222 = 'zzzzz-nyw5e-222222222222222';

function code(c: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(isKeepError(err), `not a KeepError: ${String(err)}`);
    assert.equal(err.code, c, err.message);
    return true;
  };
}

async function holds(store: BlockStore, locator: string): Promise<boolean> {
  try {
    await store.head(locator);
    return true;
  } catch (err) {
    if (isKeepError(err, 'ERR_BLOCK_NOT_FOUND')) return false;
    throw err;
  }
}

type Vid = '111' | '121' | '222';

function three(extra: Partial<Record<Vid, Partial<VolumeConfig>>> = {}): { set: VolumeSet; v: Record<Vid, MemoryStore> } {
  const v = { '111': new MemoryStore(), '121': new MemoryStore(), '222': new MemoryStore() };
  // Listed out of order on purpose: the order comes from rendezvous weights, not configuration.
  const set = new VolumeSet({
    volumes: [
      { uuid: U222, store: v['222'], ...extra['222'] },
      { uuid: U111, store: v['111'], ...extra['111'] },
      { uuid: U121, store: v['121'], ...extra['121'] },
    ],
  });
  return { set, v };
}

/** A volume that fails every call with `err`. */
function failing(err: KeepError): BlockStore {
  const fail = async (): Promise<never> => {
    throw err;
  };
  return {
    put: fail, get: fail, head: fail, touch: fail, trash: fail, delete: fail,
    list: async function* () {
      yield* [];
      throw err;
    },
  };
}

/** Three volumes in probe order: one with a corrupt copy of QUX, one without it, one with a good copy. */
async function corruptMissingGood(): Promise<VolumeSet> {
  const good = new MemoryStore();
  await good.put(QUX);
  return new VolumeSet({
    volumes: [
      { uuid: U111, store: failing(new KeepError('ERR_HASH_MISMATCH', 'corrupt copy')) },
      { uuid: U121, store: new MemoryStore() },
      { uuid: U222, store: good },
    ],
  });
}

describe('VolumeSet', () => {
  it('orders volumes by ascending rendezvous weight (md5("qux") → 111, 121, 222)', () => {
    const { set } = three();
    assert.deepEqual(set.order(md5('qux')), [U111, U121, U222]);
  });

  it('writes to the first volume in order by default, and to the next ones for more replicas', async () => {
    const { set, v } = three();
    const r = await set.put(QUX);
    assert.deepEqual(r, { locator: QUX_LOC, replicas: 1, storageClasses: { default: 1 } });
    assert.deepEqual([await holds(v['111'], QUX_LOC), await holds(v['121'], QUX_LOC), await holds(v['222'], QUX_LOC)], [true, false, false]);
    const r2 = await set.put(QUX, { replicas: 3 });
    assert.equal(r2.replicas, 3);
    assert.deepEqual(r2.storageClasses, { default: 3 });
    assert.ok(await holds(v['222'], QUX_LOC));
  });

  it('a volume already holding the block counts and is touched, no second copy is written', async () => {
    let now = 1_000_000;
    const late = new MemoryStore({ now: () => now });
    const first = new MemoryStore();
    const set = new VolumeSet({ volumes: [{ uuid: U111, store: first }, { uuid: U222, store: late }] });
    await late.put(QUX);
    now = 2_000_000;
    const r = await set.put(QUX);
    assert.equal(r.replicas, 1);
    assert.equal((await late.head(QUX_LOC)).mtimeMs, 2_000_000);
    assert.deepEqual(set.order(md5('qux')), [U111, U222]);
    assert.equal(await holds(first, QUX_LOC), false, 'the first volume in order got no copy');
  });

  it('higher priority volumes are written first', async () => {
    const { set, v } = three({ '222': { priority: 10 } });
    assert.deepEqual(set.order(md5('qux')), [U222, U111, U121]);
    await set.put(QUX);
    assert.ok(await holds(v['222'], QUX_LOC));
    assert.equal(await holds(v['111'], QUX_LOC), false);
  });

  it('read-only volumes are skipped by writes but still read', async () => {
    const { set, v } = three({ '111': { readOnly: true } });
    await set.put(QUX);
    assert.equal(await holds(v['111'], QUX_LOC), false);
    assert.ok(await holds(v['121'], QUX_LOC));
    const other = new TextEncoder().encode('only on the read-only volume');
    const { locator } = await v['111'].put(other);
    assert.deepEqual(await set.get(locator), other);
    await assert.rejects(set.touch(locator), code('ERR_BLOCK_NOT_FOUND'));
  });

  it('writes until every wanted storage class holds the wanted replicas, and reports the classes confirmed', async () => {
    const { set, v } = three({ '111': { storageClasses: ['default'] }, '121': { storageClasses: ['archive'] }, '222': { storageClasses: ['archive', 'default'], replication: 2 } });
    const r = await set.put(QUX, { storageClasses: ['archive'] });
    assert.deepEqual(r, { locator: QUX_LOC, replicas: 1, storageClasses: { archive: 1 } });
    assert.equal(await holds(v['111'], QUX_LOC), false, 'a volume without the class is not written');
    const r2 = await set.put(QUX, { storageClasses: ['archive', 'default'], replicas: 2 });
    // 121 (archive, counted again) + 111 (default) + 222 (both, replication 2).
    assert.equal(r2.replicas, 4);
    assert.deepEqual(r2.storageClasses, { archive: 3, default: 3 });
  });

  it('a full volume is skipped; all volumes full is ERR_STORAGE_FULL', async () => {
    const full = new MemoryStore({ capacityBytes: 0 });
    const free = new MemoryStore();
    const set = new VolumeSet({ volumes: [{ uuid: U111, store: full }, { uuid: U222, store: free }] });
    await set.put(QUX);
    assert.ok(await holds(free, QUX_LOC));
    const allFull = new VolumeSet({ volumes: [{ uuid: U111, store: new MemoryStore({ capacityBytes: 1 }) }, { uuid: U222, store: new MemoryStore({ capacityBytes: 2 }) }] });
    await assert.rejects(allFull.put(QUX), code('ERR_STORAGE_FULL'));
  });

  it('too few volumes for the replicas, or no volume with the class, is ERR_INSUFFICIENT_REPLICAS', async () => {
    const { set, v } = three();
    await assert.rejects(set.put(QUX, { replicas: 4 }), (err: unknown) => {
      assert.ok(isKeepError(err, 'ERR_INSUFFICIENT_REPLICAS'));
      assert.match(err.message, /stored 3 of 4 replica/);
      return true;
    });
    assert.ok(await holds(v['222'], QUX_LOC), 'the copies that could be made are kept');
    await assert.rejects(set.put(QUX, { storageClasses: ['unobtainium'] }), code('ERR_INSUFFICIENT_REPLICAS'));
    const broken = new VolumeSet({ volumes: [{ uuid: U111, store: failing(new KeepError('ERR_VOLUME_UNAVAILABLE', 'disk gone')) }] });
    await assert.rejects(broken.put(QUX), (err: unknown) => {
      assert.ok(isKeepError(err, 'ERR_INSUFFICIENT_REPLICAS'));
      assert.match(err.message, /disk gone/);
      return true;
    });
  });

  it('reads try volumes in order and fall through missing or failing volumes', async () => {
    const set = await corruptMissingGood();
    assert.deepEqual(await set.get(QUX_LOC), QUX);
    assert.equal((await set.head(QUX_LOC)).size, 3);
    assert.deepEqual(await set.get(QUX_LOC, { offset: 1, length: 1 }), QUX.subarray(1, 2));
    // Missing everywhere: the interesting error (corruption) wins over not-found.
    await assert.rejects(set.get(`${md5('nope')}+4`), code('ERR_HASH_MISMATCH'));
    const plain = new VolumeSet({ volumes: [{ uuid: U111, store: new MemoryStore() }] });
    await assert.rejects(plain.get(`${md5('nope')}+4`), code('ERR_BLOCK_NOT_FOUND'));
  });

  it('a put with the hash given leaves the md5 check to the volumes (each byte hashed once on a single volume)', async () => {
    let setHashes = 0;
    let volumeHashes = 0;
    const counting = (count: () => void): HashPool => {
      const pool = new HashPool({ threads: 1 });
      const md5 = pool.md5.bind(pool);
      pool.md5 = (data, opts) => {
        count();
        return md5(data, opts);
      };
      return pool;
    };
    const setPool = counting(() => setHashes++);
    const volPool = counting(() => volumeHashes++);
    try {
      const vol = new MemoryStore({ hashPool: volPool });
      const set = new VolumeSet({ volumes: [{ uuid: U111, store: vol }], hashPool: setPool });
      const data = new Uint8Array(300_000).fill(7);
      const hash = md5(data);
      await set.put(data, { hash });
      assert.deepEqual([setHashes, volumeHashes], [0, 1]);
      // Wrong data for a new block: refused by the volume, and not tried elsewhere.
      const other = new Uint8Array(300_000).fill(8);
      await assert.rejects(set.put(other, { hash: md5('something else') }), code('ERR_HASH_MISMATCH'));
      // Wrong data for a block already held: checked here before the copy is counted.
      const before = setHashes;
      await assert.rejects(set.put(other, { hash }), code('ERR_HASH_MISMATCH'));
      assert.equal(setHashes, before + 1);
      assert.deepEqual(await vol.get(`${hash}+300000`), data);
      // Without a hash, the set hashes once to find the order.
      await set.put(other);
      assert.equal(setHashes, before + 1 + 1);
    } finally {
      await setPool.close();
      await volPool.close();
    }
  });

  it('volumes are told when the hash is checked already: by the caller, by the set, or by an earlier volume', async () => {
    const seen: Array<boolean | undefined> = [];
    const spy = (): BlockStore => {
      const inner = new MemoryStore();
      return Object.assign(Object.create(inner) as BlockStore, {
        put: (data: Uint8Array, opts: PutOptions = {}) => {
          seen.push(opts.hashChecked);
          return inner.put(data, opts);
        },
        head: inner.head.bind(inner),
      });
    };
    const set = new VolumeSet({ volumes: [{ uuid: U111, store: spy() }, { uuid: U222, store: spy() }] });
    const data = new Uint8Array(1000).fill(3);
    await set.put(data, { hash: md5(data), replicas: 2 });
    assert.deepEqual(seen, [false, true]); // the first volume checked it
    seen.length = 0;
    const other = new Uint8Array(1000).fill(4);
    await set.put(other, { replicas: 2 });
    assert.deepEqual(seen, [true, true]); // the set hashed it
    seen.length = 0;
    const third = new Uint8Array(1000).fill(5);
    await set.put(third, { hash: md5(third), hashChecked: true });
    assert.deepEqual(seen, [true]);
  });

  it('readStream streams from the first volume whose copy yields its first chunk', async () => {
    const set = await corruptMissingGood();
    const stream = await set.readStream(QUX_LOC);
    assert.equal(stream.size, 3);
    const chunks: Uint8Array[] = [];
    for await (const c of stream.chunks) chunks.push(c);
    assert.deepEqual(chunks, [QUX]);
    await assert.rejects(set.readStream(`${md5('nope')}+4`), code('ERR_HASH_MISMATCH'));
    const plain = new VolumeSet({ volumes: [{ uuid: U111, store: new MemoryStore() }] });
    await assert.rejects(plain.readStream(`${md5('nope')}+4`), code('ERR_BLOCK_NOT_FOUND'));
  });

  it('list merges volumes without duplicates; trash and delete act on every writable volume', async () => {
    const { set, v } = three();
    await set.put(QUX, { replicas: 3 });
    const other = new TextEncoder().encode('other');
    await set.put(other);
    const listed = [];
    for await (const info of set.list()) listed.push(info.hash);
    assert.deepEqual(listed.sort(), [md5('qux'), md5('other')].sort());
    await set.trash(QUX_LOC);
    for (const s of Object.values(v)) assert.equal(await holds(s, QUX_LOC), false);
    await set.untrash(QUX_LOC);
    for (const s of Object.values(v)) assert.ok(await holds(s, QUX_LOC));
    await set.delete(QUX_LOC);
    for (const s of Object.values(v)) assert.equal(await holds(s, QUX_LOC), false);
  });

  it('rejects bad configuration and bad replicas', async () => {
    assert.throws(() => new VolumeSet({ volumes: [] }), code('ERR_INVALID_ARGUMENT'));
    assert.throws(() => new VolumeSet({ volumes: [{ uuid: U111, store: new MemoryStore() }, { uuid: U111, store: new MemoryStore() }] }), code('ERR_INVALID_ARGUMENT'));
    assert.throws(() => new VolumeSet({ volumes: [{ uuid: U111, store: new MemoryStore(), replication: 0 }] }), code('ERR_INVALID_ARGUMENT'));
    const { set } = three();
    await assert.rejects(set.put(QUX, { replicas: 0 }), code('ERR_INVALID_ARGUMENT'));
  });
});
