import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isKeepError } from '../../../src/errors.js';
import { HashPool, defaultHashPool } from '../../../src/blocks/hash-pool.js';

const md5 = (d: Uint8Array): string => createHash('md5').update(d).digest('hex');

function fresh(size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(randomBytes(size));
  return out;
}

describe('HashPool', () => {
  it('md5 matches node:crypto for inline and worker sizes, and for views at an offset', async () => {
    const pool = new HashPool({ threads: 2 });
    try {
      for (const size of [0, 1, 1000, 256 * 1024, 3 << 20]) {
        const data = fresh(size);
        assert.equal(await pool.md5(data), md5(data), `size ${size}`);
      }
      const big = fresh(2 << 20);
      const view = big.subarray(12345, 12345 + (1 << 20));
      assert.equal(await pool.md5(view), md5(view));
      const pooled = Buffer.from(fresh(600 * 1024)); // a Buffer view over a larger allocation is fine too
      assert.equal(await pool.md5(pooled), md5(pooled));
    } finally {
      await pool.close();
    }
  });

  it('reused scratch buffers never leak stale bytes into a later, smaller hash', async () => {
    for (const scratchBuffers of [0, 1, 2]) {
      const pool = new HashPool({ threads: 2, scratchBuffers });
      try {
        for (const size of [4 << 20, 300 * 1024, 2 << 20, 4 << 20, 1 << 20, 257 * 1024]) {
          const data = fresh(size);
          assert.equal(await pool.md5(data), md5(data), `size ${size}, scratchBuffers ${scratchBuffers}`);
        }
        const concurrent = Array.from({ length: 6 }, (_, i) => fresh((1 << 20) + i * 4096));
        assert.deepEqual(await Promise.all(concurrent.map((d) => pool.md5(d))), concurrent.map(md5));
      } finally {
        await pool.close();
      }
    }
  });

  it('md5 never detaches or changes the caller\'s buffer', async () => {
    const pool = new HashPool({ threads: 1 });
    try {
      const data = fresh(1 << 20);
      const copy = Uint8Array.from(data);
      await pool.md5(data);
      assert.equal(data.byteLength, 1 << 20);
      assert.deepEqual(data, copy);
    } finally {
      await pool.close();
    }
  });

  it('digest with transfer moves a whole buffer to the worker and back without changing it', async () => {
    const pool = new HashPool({ threads: 1 });
    try {
      const data = fresh(2 << 20);
      const expected = md5(data);
      const copy = Uint8Array.from(data);
      const r = await pool.digest(data, { transfer: true });
      assert.equal(r.hash, expected);
      assert.equal(data.byteLength, 0, 'the caller\'s view is detached after a transfer');
      assert.deepEqual(r.data, copy);
    } finally {
      await pool.close();
    }
  });

  it('hashes SharedArrayBuffer data in place', async () => {
    const pool = new HashPool({ threads: 1 });
    try {
      const shared = new Uint8Array(new SharedArrayBuffer(1 << 20));
      shared.set(randomBytes(1 << 20));
      const r = await pool.digest(shared);
      assert.equal(r.hash, md5(shared));
      assert.equal(r.data, shared);
    } finally {
      await pool.close();
    }
  });

  it('many concurrent tasks through a bounded queue all complete correctly', async () => {
    const pool = new HashPool({ threads: 2, maxInFlight: 2 });
    try {
      const blocks = Array.from({ length: 24 }, (_, i) => fresh(300 * 1024 + i));
      const hashes = await Promise.all(blocks.map((b) => pool.md5(b)));
      assert.deepEqual(hashes, blocks.map(md5));
    } finally {
      await pool.close();
    }
  });

  it('an aborted signal rejects with ERR_ABORTED, before and while queued', async () => {
    const pool = new HashPool({ threads: 1, maxInFlight: 1 });
    try {
      await assert.rejects(pool.md5(fresh(10), { signal: AbortSignal.abort() }), (e: unknown) => isKeepError(e, 'ERR_ABORTED'));
      const first = pool.md5(fresh(8 << 20));
      const ac = new AbortController();
      const queued = pool.md5(fresh(1 << 20), { signal: ac.signal });
      ac.abort(new Error('stop'));
      await assert.rejects(queued, (e: unknown) => isKeepError(e, 'ERR_ABORTED'));
      assert.match(await first, /^[0-9a-f]{32}$/);
    } finally {
      await pool.close();
    }
  });

  it('shared buffers hashed in place are not kept alive by the workers', async () => {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing === undefined) setFlagsFromString('--expose-gc');
    const gc = existing ?? (runInNewContext('gc') as () => void);
    const pool = new HashPool({ threads: 2 });
    try {
      // Array buffer memory is released by a background sweeper after a GC: settle before measuring.
      const settled = async (): Promise<number> => {
        for (let i = 0; i < 3; i++) {
          gc();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return process.memoryUsage().arrayBuffers;
      };
      await pool.md5(new Uint8Array(new SharedArrayBuffer(1 << 20)));
      const before = await settled();
      // 12 × 16 MiB: under the 256 MiB after which a worker collects fully, so this checks that
      // the minor collection after each hash frees the buffers.
      for (let i = 0; i < 12; i++) {
        const shared = new Uint8Array(new SharedArrayBuffer(16 << 20));
        shared[i] = 1;
        await pool.md5(shared);
      }
      const grownBytes = (await settled()) - before;
      // Without the worker-side collection all 192 MiB stay alive.
      assert.ok(grownBytes < 64 << 20, `${grownBytes} bytes still held after hashing 192 MiB`);
    } finally {
      await pool.close();
    }
  });

  it('a closed pool refuses work with a KeepError', async () => {
    const pool = new HashPool({ threads: 1 });
    await pool.md5(fresh(1 << 20));
    await pool.close();
    await assert.rejects(pool.md5(fresh(1 << 20)), (e: unknown) => isKeepError(e, 'ERR_INTERNAL'));
  });

  it('a session hashes shared-memory pieces in order, in one worker, and frees its place when it ends', async () => {
    const pool = new HashPool({ threads: 2, maxInFlight: 1 });
    try {
      const shared = new Uint8Array(new SharedArrayBuffer(3 << 20));
      shared.set(fresh(3 << 20));
      const s = await pool.session();
      for (const [a, b] of [[0, 1000], [1000, 1000], [1000, 1 << 20], [1 << 20, 3 << 20]] as const) s.update(shared.subarray(a, b));
      assert.equal(await s.digest(), md5(shared));
      await assert.rejects(s.digest(), (err: unknown) => isKeepError(err, 'ERR_INTERNAL'));
      assert.throws(() => s.update(shared), (err: unknown) => isKeepError(err, 'ERR_INTERNAL'));
      // Only shared memory: the worker reads the bytes later, in place.
      const t = await pool.session(); // the one place is free again after digest
      assert.throws(() => t.update(new Uint8Array(10)), (err: unknown) => isKeepError(err, 'ERR_INTERNAL'));
      t.update(shared.subarray(0, 10));
      t.cancel();
      t.cancel();
      const u = await pool.session(); // ...and after cancel
      assert.equal(await u.digest(), md5(new Uint8Array(0)));
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(pool.session({ signal: ac.signal }), (err: unknown) => isKeepError(err, 'ERR_ABORTED'));
    } finally {
      await pool.close();
    }
  });

  it('idle workers do not keep the process alive (no close needed), sessions included', () => {
    const child = fileURLToPath(new URL('../../helpers/hash-pool-idle.js', import.meta.url));
    const r = spawnSync(process.execPath, [child], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.stdout, 'hashed', r.stderr);
    assert.equal(r.signal, null, 'the process had to be killed: a worker kept it alive');
    assert.equal(r.status, 0, r.stderr);
  });

  it('defaultHashPool returns one shared pool', () => {
    assert.equal(defaultHashPool(), defaultHashPool());
  });
});
