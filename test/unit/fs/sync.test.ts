import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isKeepError } from '../../../src/errors.js';
import { portableDataHash } from '../../../src/manifest/portable-data-hash.js';
import { signatureExpiry, verifyManifestSignatures } from '../../../src/manifest/signature.js';
import { applyReplaceSegmentsToManifest, MemoryCollectionSource } from '../../../src/fs/collection-source.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import type { BlockStore, PutOptions, PutResult } from '../../../src/blocks/block-store.js';

const KEY = 'zfhgfenhffzltr9dixws36j1yhksjoll2grmku38mi7yxd66h5j4q9w4jzanezacp8s6q0ro3hxakfye02152hncy6zml2ed0uc';
const TOKEN = '3kg6k6lzmp9kj5cpkcoxie963cmvjahbt2fod9zru30k1jqdmi';
const T0 = 1_800_000_000_000;

function fakeLocator(i: number): string {
  const hash = createHash('md5').update(Buffer.alloc(i)).digest('hex');
  return i % 2 === 1 ? `${hash}+${i}+Awhatever+Zotherhints` : `${hash}+${i}`;
}
const L = (i: number): string => fakeLocator(i);

describe('MemoryCollectionSource', () => {
  const manifest = '. acbd18db4cc2f85cedef654fccc4a4d8+3 37b51d194a7513e45b56f6524f2d51f2+3 0:3:foo 3:3:bar\n';

  it('fetch() returns the manifest signed for the token with expiry now + TTL, and counts calls', async () => {
    let now = T0;
    const src = new MemoryCollectionSource({ manifestText: manifest, key: KEY, token: TOKEN, ttlSeconds: 3600, now: () => now });
    const snap = await src.fetch();
    assert.equal(src.fetchCount, 1);
    assert.equal(snap.portableDataHash, portableDataHash(manifest));
    assert.deepEqual(verifyManifestSignatures(snap.manifestText, { key: KEY, token: TOKEN, ttlSeconds: 3600, now: now / 1000 }), []);
    const tok = snap.manifestText.split(' ')[1] as string;
    assert.equal(signatureExpiry(tok), T0 / 1000 + 3600);
    now += 10_000;
    const again = await src.fetch();
    assert.equal(signatureExpiry(again.manifestText.split(' ')[1] as string), T0 / 1000 + 3610);
    assert.equal(src.fetchCount, 2);
  });

  it('without a key the manifest comes back unsigned', async () => {
    const src = new MemoryCollectionSource({ manifestText: manifest });
    assert.equal((await src.fetch()).manifestText, manifest);
  });

  it('stores signed input unsigned and keeps the PDH', async () => {
    const src = new MemoryCollectionSource({ key: KEY, token: TOKEN, now: () => T0 });
    const signed = src.signed();
    assert.equal(signed, '');
    const res = await src.save(`. acbd18db4cc2f85cedef654fccc4a4d8+3+A${'1'.repeat(40)}@7fffffff 0:3:foo\n`);
    assert.equal(src.manifestText, '. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n');
    assert.equal(res.portableDataHash, portableDataHash(src.manifestText));
    assert.match(res.manifestText, /\+A[0-9a-f]{40}@/);
    assert.equal(src.saveCount, 1);
    assert.equal(src.saves.length, 1);
  });

  it('keeps non-ASCII names intact', async () => {
    const text = '. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:caf\u00e9\u26f5\n';
    const src = new MemoryCollectionSource({ manifestText: text, key: KEY, token: TOKEN, now: () => T0 });
    const snap = await src.fetch();
    assert.ok(snap.manifestText.endsWith(' 0:3:caf\u00e9\u26f5\n'));
    assert.equal(snap.portableDataHash, portableDataHash(Buffer.from(text, 'utf8')));
  });

  it('save() applies replaceSegments to the saved text', async () => {
    const src = new MemoryCollectionSource();
    const res = await src.save(`. ${L(1)} ${L(2)} 0:3:file3\n`, {
      replaceSegments: { [`${L(1)} 0 1`]: `${L(3)} 0 1`, [`${L(2)} 0 2`]: `${L(3)} 1 2` },
    });
    assert.equal(res.manifestText, `. ${L(3).replace('+Awhatever', '')} 0:3:file3\n`);
    assert.deepEqual(src.saves[0]?.replaceSegments, { [`${L(1)} 0 1`]: `${L(3)} 0 1`, [`${L(2)} 0 2`]: `${L(3)} 1 2` });
  });

  it('save() refuses invalid replacements and keeps the old version', async () => {
    const src = new MemoryCollectionSource({ manifestText: `. ${L(2)} 0:2:f\n` });
    await assert.rejects(src.save(`. ${L(2)} 0:2:g\n`, { replaceSegments: { [`${L(2)} 0 2`]: `${L(3)} 2 2` } }), {
      message: 'invalid replacement: offset 2 + length 2 > block size 3',
    });
    assert.equal(src.manifestText, `. ${L(2)} 0:2:f\n`);
  });

  it('failNext() makes the next call of that kind fail once', async () => {
    const src = new MemoryCollectionSource({ manifestText: manifest });
    src.failNext('save');
    await src.fetch();
    await assert.rejects(src.save(manifest), (e: unknown) => isKeepError(e, 'ERR_REMOTE'));
    await src.save(manifest);
    assert.equal(src.saveCount, 2);
    assert.equal(src.saves.length, 1);
    src.failNext('fetch', new Error('network down'));
    await assert.rejects(src.fetch(), { message: 'network down' });
  });

  it('honours an aborted signal', async () => {
    const src = new MemoryCollectionSource({ manifestText: manifest });
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(src.fetch({ signal: ac.signal }), (e: unknown) => isKeepError(e, 'ERR_ABORTED'));
    await assert.rejects(src.save(manifest, { signal: ac.signal }), (e: unknown) => isKeepError(e, 'ERR_ABORTED'));
  });

  it('setManifest() simulates another writer: new PDH and modifiedAt', async () => {
    let now = T0;
    const src = new MemoryCollectionSource({ manifestText: manifest, now: () => now });
    const before = await src.fetch();
    now += 5000;
    src.setManifest('. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n');
    const after = await src.fetch();
    assert.notEqual(after.portableDataHash, before.portableDataHash);
    assert.equal(after.modifiedAt?.getTime(), T0 + 5000);
  });
});

describe('applyReplaceSegmentsToManifest()', () => {
  it('happy path: two segments merge into one block', () => {
    const out = applyReplaceSegmentsToManifest(`. ${L(1)} ${L(2)} 0:3:file3\n`, {
      [`${L(1)} 0 1`]: `${L(3)} 0 1`,
      [`${L(2)} 0 2`]: `${L(3)} 1 2`,
    });
    assert.equal(out, `. ${L(3)} 0:3:file3\n`);
  });
  it('a reordered replacement rewrites file tokens', () => {
    const out = applyReplaceSegmentsToManifest(`. ${L(1)} ${L(2)} 0:1:file1 1:2:file2\n`, {
      [`${L(1)} 0 1`]: `${L(3)} 2 1`,
      [`${L(2)} 0 2`]: `${L(3)} 0 2`,
    });
    assert.equal(out, `. ${L(3)} 2:1:file1 0:2:file2\n`);
  });
  it('replaces references in every stream', () => {
    const out = applyReplaceSegmentsToManifest(`. ${L(1)} 0:1:a\n./d ${L(1)} 0:1:b\n`, { [`${L(1)} 0 1`]: `${L(4)} 3 1` });
    assert.equal(out, `. ${L(4)} 3:1:a\n./d ${L(4)} 3:1:b\n`);
  });
  it('leaves the text untouched when nothing matches', () => {
    const text = `. ${L(2)}  0:2:odd\n`.replace('  ', ' ');
    assert.equal(applyReplaceSegmentsToManifest(text, { [`${L(2)} 0 1`]: `${L(3)} 0 1` }), text);
  });
});

describe('CollectionFS.sync() through a CollectionSource', () => {
  const FOO = 'acbd18db4cc2f85cedef654fccc4a4d8+3';
  const BAR = '37b51d194a7513e45b56f6524f2d51f2+3';

  async function setup(manifest: string, store: Pick<BlockStore, 'get' | 'put'> = new MemoryStore()) {
    const source = new MemoryCollectionSource({ manifestText: manifest, key: KEY, token: TOKEN, ttlSeconds: 7200 });
    const fs = await CollectionFS.load((await source.fetch()).manifestText, { store, source });
    return { fs, source };
  }

  it('does not save when nothing changed', async () => {
    const { fs, source } = await setup(`. ${FOO} 0:3:foo\n`);
    await fs.sync();
    assert.equal(source.saveCount, 0);
  });

  it('does not save a non-canonical server manifest back (TestSyncNonCanonicalManifest)', async () => {
    const text = `. ${FOO} ${BAR} 0:3:foo 3:3:bar\n`;
    const { fs, source } = await setup(text);
    assert.notEqual(portableDataHash(await fs.marshalManifest()), portableDataHash(text), 'Go order differs from the server text');
    await fs.sync();
    assert.equal(source.saveCount, 0);
    assert.equal(source.manifestText, text);
  });

  it('saves local changes once and takes the signed locators of the response', async () => {
    const { fs, source } = await setup('');
    await fs.writeFile('hello.txt', 'hello');
    await fs.sync();
    assert.equal(source.saveCount, 1);
    assert.equal(source.manifestText, '. 5d41402abc4b2a76b9719d911017c592+5 0:5:hello.txt\n');
    const marshalled = await fs.marshalManifest();
    assert.deepEqual(verifyManifestSignatures(marshalled, { key: KEY, token: TOKEN, ttlSeconds: 7200 }), []);
    assert.match(marshalled, /\+A[0-9a-f]{40}@[0-9a-f]{8} /);
    await fs.sync();
    assert.equal(source.saveCount, 1, 'second sync: PDH unchanged, no save');
    await fs.writeFile('hello.txt', 'hello again');
    await fs.sync();
    assert.equal(source.saveCount, 2);
  });

  it('reports a failed save and retries it on the next sync', async () => {
    const { fs, source } = await setup('');
    await fs.writeFile('a', 'data');
    source.failNext('save');
    await assert.rejects(fs.sync(), (e: unknown) => (e as Error).message.startsWith('sync failed: '));
    assert.equal(source.manifestText, '');
    await fs.sync();
    assert.equal(source.manifestText, '. 8d777f385d3dfec8815d20f7496026dc+4 0:4:a\n');
  });

  it('surfaces block write failures and does not save', async () => {
    const mem = new MemoryStore();
    let fail = true;
    const flaky: Pick<BlockStore, 'get' | 'put'> = {
      get: (l, o) => mem.get(l, o),
      put: async (d: Uint8Array, o?: PutOptions): Promise<PutResult> => {
        if (fail) throw new Error('disk on fire');
        return mem.put(d, o);
      },
    };
    const { fs, source } = await setup('', flaky);
    await fs.writeFile('x', 'payload');
    await assert.rejects(fs.sync());
    assert.equal(source.saveCount, 0);
    fail = false;
    await fs.sync();
    assert.equal(source.saveCount, 1);
    assert.equal(await fs.readFile('x', 'utf8'), 'payload');
  });

  it('without a source, sync() only uploads buffered data', async () => {
    const store = new MemoryStore();
    const fs = await CollectionFS.load('', { store });
    await fs.writeFile('x', 'abc');
    await fs.sync();
    assert.deepEqual(Buffer.from(await store.get('900150983cd24fb0d6963f7d28e17f72+3')), Buffer.from('abc'));
  });
});
