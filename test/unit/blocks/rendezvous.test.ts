import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rendezvousOrder, rendezvousWeight, volumeOrder } from '../../../src/blocks/rendezvous.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

describe('rendezvous', () => {
  it('rendezvousOrder reproduces the reference probe orders (§7.2, 16 services zzzzz-bi6l4-%015x)', () => {
    const services = Array.from({ length: 16 }, (_, i) => `zzzzz-bi6l4-${i.toString(16).padStart(15, '0')}`);
    const expected: Array<[string, string]> = [
      ['10eab6008d5642cf42abd2aa41f847cb', '3eab2d5fc9681074'],
      ['9a25b027482b37e047104e2e532cabae', '097dba52e648f1c3'],
      ['ece15765f11abfb7d3c71995a3d63bfe', 'c5b4e023f8a7d691'],
      ['0c1728e2354416472350c906ca8b5718', '9d81c02e76a3bf54'],
    ];
    for (let h = 0; h < expected.length; h++) {
      const [hash, order] = expected[h] as [string, string];
      assert.equal(md5(h.toString(16).padStart(64, '0')), hash);
      const got = rendezvousOrder(hash, services, (s) => s).map((s) => services.indexOf(s).toString(16)).join('');
      assert.equal(got, order, `h=${h}`);
    }
  });

  it('volumeOrder sorts by ascending weight: md5("qux") gives 111, 121, 222 (§7.1)', () => {
    const hash = md5('qux');
    const uuids = ['zzzzz-nyw5e-222222222222222', 'zzzzz-nyw5e-121212121212121', 'zzzzz-nyw5e-111111111111111'];
    assert.ok(rendezvousWeight(hash, uuids[2] as string).startsWith('19440bd0'));
    assert.ok(rendezvousWeight(hash, uuids[1] as string).startsWith('343933e0'));
    assert.ok(rendezvousWeight(hash, uuids[0] as string).startsWith('87602b6c'));
    assert.deepEqual(volumeOrder(hash, uuids, (u) => u), [uuids[2], uuids[1], uuids[0]]);
    // The client order is the reverse.
    assert.deepEqual(rendezvousOrder(hash, uuids, (u) => u), uuids);
  });

  it('volumeOrder puts higher priority first, weight order within a priority', () => {
    const hash = md5('qux');
    const vols = [
      { uuid: 'zzzzz-nyw5e-111111111111111', p: 0 },
      { uuid: 'zzzzz-nyw5e-121212121212121', p: 0 },
      { uuid: 'zzzzz-nyw5e-222222222222222', p: 5 },
    ];
    assert.deepEqual(volumeOrder(hash, vols, (v) => v.uuid, (v) => v.p).map((v) => v.uuid.slice(12, 15)), ['222', '111', '121']);
  });

  it('a uuid that is not 27 characters is hashed whole', () => {
    assert.equal(rendezvousWeight('d85b1213473c2fd7c2045020a6b9c62b', 'vol-a'), md5('d85b1213473c2fd7c2045020a6b9c62bvol-a'));
    assert.equal(rendezvousWeight('d85b1213473c2fd7c2045020a6b9c62b', 'zzzzz-nyw5e-111111111111111'), md5('d85b1213473c2fd7c2045020a6b9c62b111111111111111'));
  });

  it('orders are permutations and do not mutate the input', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const copy = [...items];
    const r = rendezvousOrder(md5('x'), items, (s) => s);
    const v = volumeOrder(md5('x'), items, (s) => s);
    assert.deepEqual(items, copy);
    assert.deepEqual([...r].sort(), copy);
    assert.deepEqual([...v].reverse(), r);
  });
});
