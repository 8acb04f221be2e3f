/**
 * S3Store against a real S3 engine (radosgw started by `npm run test:s3`, or any service named by
 * AWS_ENDPOINT_URL + AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY). Never skipped: without an endpoint
 * the run fails.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { isKeepError } from '../../src/errors.js';
import { S3Store, type S3StoreOptions } from '../../src/blocks/s3-store.js';
import { runBlockStoreConformance } from '../conformance/block-store.suite.js';

const endpoint = process.env.AWS_ENDPOINT_URL;
if (endpoint === undefined || endpoint === '') {
  throw new Error('S3 tests need a real S3 engine: run them with `npm run test:s3` (starts radosgw), or set AWS_ENDPOINT_URL and credentials');
}
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' };
const region = process.env.AWS_REGION ?? 'us-east-1';
const bucket = `keepfs-test-${randomUUID().slice(0, 8)}`;
const raw = new S3Client({ endpoint, region, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });

function storeOptions(prefix: string, extra: Partial<S3StoreOptions> = {}): S3StoreOptions {
  return { bucket, prefix, endpoint: endpoint as string, region, credentials, retries: 1, ...extra };
}

async function emptyPrefix(prefix: string): Promise<void> {
  let token: string | undefined;
  do {
    const out = await raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }));
    await Promise.all((out.Contents ?? []).map((o) => raw.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }))));
    token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
  } while (token !== undefined);
}

const md5 = (d: Uint8Array): string => createHash('md5').update(d).digest('hex');

before(async () => {
  await raw.send(new CreateBucketCommand({ Bucket: bucket }));
});
after(() => raw.destroy());

runBlockStoreConformance(
  'S3Store (radosgw)',
  async () => {
    const prefix = `conf-${randomUUID()}/`;
    const store = new S3Store(storeOptions(prefix));
    return {
      store,
      cleanup: async () => {
        store.close();
        await emptyPrefix(prefix);
      },
    };
  },
  // S3 Last-Modified has one second resolution.
  { supportsUntrash: true, mtimeResolutionMs: 1000, timeoutMs: 300_000 },
);

describe('S3Store specifics', () => {
  const prefix = `specific-${randomUUID()}/`;
  let store: S3Store;
  before(() => {
    store = new S3Store(storeOptions(prefix));
  });
  after(async () => {
    store.close();
    await emptyPrefix(prefix);
  });

  it('stores a block as the object <prefix><md5>, and trash as <prefix>trash/<md5>', async () => {
    const data = new Uint8Array(randomBytes(3000));
    const h = md5(data);
    await store.put(data);
    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}${h}` }));
    assert.equal(head.ContentLength, 3000);
    assert.equal(store.keyOf(h), `${prefix}${h}`);
    await store.trash(h);
    await assert.rejects(raw.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}${h}` })));
    assert.equal((await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}trash/${h}` }))).ContentLength, 3000);
    const listed: string[] = [];
    for await (const info of store.list()) listed.push(info.hash);
    assert.deepEqual(listed, []);
  });

  it('verifies the md5 of whole-block reads; ranged and unverified reads return the stored bytes', async () => {
    const good = new Uint8Array(randomBytes(1000));
    const h = md5(good);
    const bad = new Uint8Array(good);
    bad[500] = (bad[500] ?? 0) ^ 1;
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${h}`, Body: Buffer.from(bad) }));
    await assert.rejects(store.get(`${h}+1000`), (err: unknown) => isKeepError(err, 'ERR_HASH_MISMATCH'));
    assert.deepEqual(await store.get(`${h}+1000`, { verify: false }), bad);
    assert.deepEqual(await store.get(`${h}+1000`, { offset: 490, length: 20 }), bad.subarray(490, 510));
  });

  it('an unreachable service is ERR_VOLUME_UNAVAILABLE after its retries', async () => {
    const dead = new S3Store({ bucket, endpoint: 'http://127.0.0.1:9', region, credentials, retries: 1 });
    await assert.rejects(dead.head(md5(new Uint8Array(1))), (err: unknown) => isKeepError(err, 'ERR_VOLUME_UNAVAILABLE'));
    dead.close();
  });

  it('reports the configured storage classes and replication', async () => {
    const s = new S3Store(storeOptions(prefix, { storageClasses: ['cold'], replication: 2 }));
    const r = await s.put(new Uint8Array(randomBytes(10)));
    assert.equal(r.replicas, 2);
    assert.deepEqual(r.storageClasses, { cold: 2 });
    s.close();
  });
});
