import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { HashPool } from '../../../src/blocks/hash-pool.js';
import { BodyHasher } from '../../../src/blocks/body-hasher.js';

const md5 = (d: Uint8Array): string => createHash('md5').update(d).digest('hex');

/** Feed `body` to a hasher in `step`-byte arrivals, as a response would. */
async function arrive(body: Uint8Array, pool: HashPool | undefined, step: number): Promise<string> {
  const h = new BodyHasher(body, pool);
  for (let n = step; n < body.byteLength; n += step) h.advance(n);
  h.advance(body.byteLength);
  return h.digest();
}

describe('BodyHasher', () => {
  it('md5 of a body hashed while it arrives: in a pool session (shared memory) or inline', async () => {
    const pool = new HashPool({ threads: 1, maxInFlight: 1 });
    try {
      const shared = new Uint8Array(new SharedArrayBuffer(5 * 1024 * 1024 + 3));
      randomFillSync(shared);
      const plain = Uint8Array.from(shared);
      for (const step of [65536, 1 << 20, 3 << 20]) {
        assert.equal(await arrive(shared, pool, step), md5(shared), `shared, step ${step}`);
        assert.equal(await arrive(plain, pool, step), md5(plain), `plain, step ${step}`);
      }
      assert.equal(await arrive(new Uint8Array(0), pool, 1), md5(new Uint8Array(0)));
      // A cancelled hasher gives its pool place back (maxInFlight 1: the next one would wait forever).
      const dropped = new BodyHasher(shared, pool);
      dropped.advance(3 << 20);
      dropped.cancel();
      assert.equal(await arrive(shared, pool, 1 << 20), md5(shared));
    } finally {
      await pool.close();
    }
  });
});
