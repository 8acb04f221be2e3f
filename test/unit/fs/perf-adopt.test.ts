// Zero-copy block hand-over (PutOptions.adopt): MemoryStore keeps the caller's buffer, the fs
// never modifies or recycles a buffer a store adopted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import type { PutOptions, PutResult } from '../../../src/blocks/block-store.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';

const MiB = 1 << 20;
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** A MemoryStore that records what each put received. */
class SpyStore extends MemoryStore {
  readonly received: Array<{ shared: boolean; adopted: boolean; data: Uint8Array }> = [];
  override async put(data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    const r = await super.put(data, options);
    this.received.push({ shared: data.buffer instanceof SharedArrayBuffer, adopted: r.adopted === true, data });
    return r;
  }
}

describe('MemoryStore adopt', () => {
  it('keeps the caller buffer only with adopt, and only for a new block', async () => {
    const store = new MemoryStore();
    const a = new Uint8Array(new SharedArrayBuffer(300_000));
    randomFillSync(a);
    const r1 = await store.put(a, { adopt: true });
    assert.equal(r1.adopted, true);
    assert.equal(r1.locator, `${md5(a)}+${a.length}`);
    assert.deepEqual(await store.get(r1.locator), a);
    // The same block again: already stored, so the new buffer is not kept.
    const again = Uint8Array.from(a);
    const r2 = await store.put(again, { adopt: true });
    assert.equal(r2.adopted, undefined);
    again.fill(0);
    assert.deepEqual(await store.get(r1.locator), a);
    // Without adopt the store copies: changing the caller's bytes does not change the block.
    const b = Buffer.from('a block the caller keeps changing');
    const r3 = await store.put(b);
    assert.equal(r3.adopted, undefined);
    b.fill(0x78);
    assert.equal(Buffer.from(await store.get(r3.locator)).toString(), 'a block the caller keeps changing');
  });
});

describe('CollectionFS hands block buffers over', () => {
  it('full blocks go to the store in shared memory and are adopted, not copied', async () => {
    const store = new SpyStore();
    const fs = await CollectionFS.load('', { store, blockSize: 4 * MiB });
    const data = randomFillSync(Buffer.allocUnsafe(10 * MiB));
    const h = await fs.open('big', 'w');
    for (let off = 0; off < data.length; off += MiB) await h.write(data.subarray(off, off + MiB));
    await h.close();
    await fs.marshalManifest();
    assert.equal(store.received.length, 3);
    for (const r of store.received) {
      assert.equal(r.shared, true, 'block buffers are SharedArrayBuffers (hashed in place)');
      assert.equal(r.adopted, true);
    }
    assert.deepEqual(await fs.readFile('big'), data);
  });

  it('a buffer the store adopted is never recycled for later writes', async () => {
    const store = new SpyStore();
    const fs = await CollectionFS.load('', { store, blockSize: 2 * MiB });
    const first = randomFillSync(Buffer.allocUnsafe(6 * MiB));
    for (let off = 0; off < first.length; off += MiB) await fs.appendFile('a', first.subarray(off, off + MiB));
    const m1 = await fs.marshalManifest();
    // More full blocks: with recycling of adopted buffers these bytes would land in a's blocks.
    const second = randomFillSync(Buffer.allocUnsafe(8 * MiB));
    for (let off = 0; off < second.length; off += MiB) await fs.appendFile('b', second.subarray(off, off + MiB));
    // Overwrite a's start in place while its old block is stored: copy on write, never in place.
    await fs.writeFile('a', Buffer.alloc(MiB, 7), { flag: 'r+' });
    await fs.marshalManifest();
    const reloaded = await CollectionFS.load(m1, { store });
    assert.deepEqual(await reloaded.readFile('a'), first);
    for (const r of store.received) assert.equal(await store.get(`${md5(r.data)}+${r.data.length}`).then((b) => b.length), r.data.length);
  });

  it('the packed block of small files is shared memory and adopted', async () => {
    const store = new SpyStore();
    const fs = await CollectionFS.load('', { store });
    const files: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const d = randomFillSync(Buffer.allocUnsafe(1000));
      files.push(d);
      await fs.writeFile(`f${i}`, d);
    }
    const m = await fs.marshalManifest();
    assert.equal(store.received.length, 1);
    assert.equal(store.received[0]?.shared, true);
    assert.equal(store.received[0]?.adopted, true);
    const again = await CollectionFS.load(m, { store });
    assert.deepEqual(await again.readFile('f1234'), files[1234]);
  });

  it('a store keeping a lone small block never keeps much more memory than the block', async () => {
    const store = new SpyStore();
    const fs = await CollectionFS.load('', { store });
    await fs.writeFile('tiny', 'x'.repeat(1000)); // carved from a 1 MiB slab
    await fs.mkdir('m');
    const h = await fs.open('m/mid', 'w'); // alone in its directory
    await h.write(Buffer.alloc(300_000, 1)); // 1 MiB capacity
    await h.write(Buffer.alloc(100_000, 2));
    await h.close();
    await fs.mkdir('d');
    await fs.writeFile('d/alone', Buffer.alloc(5000, 3));
    await fs.marshalManifest();
    assert.ok(store.received.length >= 2);
    for (const r of store.received) {
      assert.ok(r.data.buffer.byteLength <= 2 * r.data.byteLength, `${r.data.byteLength} bytes kept in a ${r.data.buffer.byteLength}-byte buffer`);
    }
  });

  it('full blocks of an odd block size are not kept inside much larger buffers', async () => {
    const store = new SpyStore();
    const fs = await CollectionFS.load('', { store, blockSize: 5 * MiB });
    const data = randomFillSync(Buffer.allocUnsafe(11 * MiB));
    const h = await fs.open('f', 'w');
    for (let off = 0; off < data.length; off += MiB) await h.write(data.subarray(off, off + MiB));
    await h.close();
    await fs.marshalManifest();
    assert.equal(store.received.length, 3);
    for (const r of store.received) assert.ok(r.data.buffer.byteLength <= 2 * r.data.byteLength, `${r.data.byteLength} in ${r.data.buffer.byteLength}`);
    assert.deepEqual(await fs.readFile('f'), data);
  });
});

