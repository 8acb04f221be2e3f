import type { Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { KeepError } from '../errors.js';
import { throwIfAborted } from '../util/abort.js';
import { concatBytes } from '../util/bytes.js';
import type { AbortOptions, BlockInfo, BlockStore, GetOptions, PutOptions, PutResult } from './block-store.js';
import { defaultHashPool, type HashPool } from './hash-pool.js';
import { checkBlockSize, checkExpectedHash, hashMismatch, hashOfLocator, isWholeRange, resolveRange, sizeHintOf } from './locator-hash.js';
import { fromS3Error, isS3NotFound } from './s3-store-errors.js';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix of every object (default `''`); blocks are `<prefix><hash>`, trash `<prefix>trash/<hash>`. */
  prefix?: string;
  /** Endpoint URL of an S3-compatible service (default: AWS). */
  endpoint?: string;
  /** Region (default `us-east-1`). */
  region?: string;
  /** Static credentials (default: the SDK's provider chain: env, profile, …). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style URLs (`endpoint/bucket/key`; default true when `endpoint` is set). */
  forcePathStyle?: boolean;
  /** Retries of failed requests, with the SDK's jittered exponential backoff (default 3). */
  retries?: number;
  /** Storage classes this volume confirms (default `['default']`). */
  storageClasses?: readonly string[];
  /** Replicas one stored copy counts for (default 1). */
  replication?: number;
  /** Verify md5 of whole-block reads (default true; a get's `verify` overrides it). */
  verify?: boolean;
  /** md5 pool (default: the process-wide pool). */
  hashPool?: HashPool;
  /** A ready client (tests, custom middleware); the other connection options are then ignored. */
  client?: S3Client;
}

const TRASH_DIR = 'trash/';
const HASH_KEY = /^[0-9a-f]{32}$/;

/**
 * A BlockStore on any S3-compatible object storage, one object per block.
 *
 * Layout: a block is the object `<prefix><md5>`; a trashed block is `<prefix>trash/<md5>`
 * (listing filters on 32 hex digits, so the trash never shows up in `list`). Puts send
 * `Content-MD5`, so the service refuses data damaged on the way. `touch` copies the object onto
 * itself with replaced metadata (`keepfs-touched`), which refreshes its Last-Modified; mtimes
 * therefore have the service's resolution (one second on most). Whole-block reads verify the md5;
 * ranged reads use HTTP Range requests and are not verified. Request and response checksums are
 * computed only when required (radosgw rejects the SDK's default aws-chunked uploads).
 */
export class S3Store implements BlockStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #classes: readonly string[];
  readonly #replication: number;
  readonly #verify: boolean;
  readonly #pool: HashPool;

  constructor(options: S3StoreOptions) {
    if (options.bucket === '') throw new KeepError('ERR_INVALID_ARGUMENT', 'Cannot create S3Store: bucket is required');
    const replication = options.replication ?? 1;
    if (!Number.isInteger(replication) || replication < 1) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create S3Store: replication must be a positive integer, got ${replication}`);
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? '';
    this.#classes = [...(options.storageClasses ?? ['default'])];
    this.#replication = replication;
    this.#verify = options.verify ?? true;
    this.#pool = options.hashPool ?? defaultHashPool();
    if (options.client !== undefined) {
      this.#client = options.client;
    } else {
      const config: S3ClientConfig = {
        region: options.region ?? 'us-east-1',
        forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
        maxAttempts: (options.retries ?? 3) + 1,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      };
      if (options.endpoint !== undefined) config.endpoint = options.endpoint;
      if (options.credentials !== undefined) config.credentials = options.credentials;
      this.#client = new S3Client(config);
    }
  }

  /** The object key of a block. */
  keyOf(hash: string): string {
    return this.#prefix + hash;
  }

  async put(data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    throwIfAborted(options.signal);
    checkBlockSize(data.byteLength);
    if (options.hash !== undefined) checkExpectedHash(options.hash);
    const hash = await this.#pool.md5(data, options.signal === undefined ? {} : { signal: options.signal });
    if (options.hash !== undefined && options.hash !== hash) throw hashMismatch(options.hash, hash);
    const key = this.keyOf(hash);
    let exists = false;
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }), sendOptions(options.signal));
      exists = head.ContentLength === data.byteLength;
    } catch (err) {
      if (!isS3NotFound(err)) throw fromS3Error(err, 'put block', key, options.signal);
    }
    if (exists) {
      await this.#touchKey(key, options.signal);
    } else {
      const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const contentMd5 = Buffer.from(hash, 'hex').toString('base64');
      try {
        await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentLength: data.byteLength, ContentMD5: contentMd5, ContentType: 'application/octet-stream' }), sendOptions(options.signal));
      } catch (err) {
        throw fromS3Error(err, 'put block', key, options.signal);
      }
    }
    const storageClasses: Record<string, number> = {};
    for (const c of this.#classes) storageClasses[c] = this.#replication;
    return { locator: `${hash}+${data.byteLength}`, replicas: this.#replication, storageClasses };
  }

  async get(locator: string, options: GetOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    const key = this.keyOf(hash);
    const whole = isWholeRange(options.offset, options.length);
    let range: string | undefined;
    if (!whole) {
      const size = sizeHintOf(locator) ?? (await this.head(hash, options)).size;
      const [start, end] = resolveRange(size, options.offset, options.length);
      if (start === end) {
        await this.head(hash, options);
        return new Uint8Array(0);
      }
      range = `bytes=${start}-${end - 1}`;
    }
    let data: Uint8Array;
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key, ...(range === undefined ? {} : { Range: range }) }), sendOptions(options.signal));
      data = await readBody(out.Body as Readable | undefined, out.ContentLength, options.signal);
    } catch (err) {
      throw fromS3Error(err, 'get block', key, options.signal);
    }
    if (whole && (options.verify ?? this.#verify)) {
      const actual = await this.#pool.md5(data, options.signal === undefined ? {} : { signal: options.signal });
      if (actual !== hash) throw new KeepError('ERR_HASH_MISMATCH', `Cannot read block "${hash}": stored data has md5 "${actual}"`);
    }
    return data;
  }

  async head(locator: string, options: AbortOptions = {}): Promise<BlockInfo> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    const key = this.keyOf(hash);
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }), sendOptions(options.signal));
      return { hash, size: out.ContentLength ?? 0, mtimeMs: out.LastModified?.getTime() ?? 0 };
    } catch (err) {
      throw fromS3Error(err, 'head block', key, options.signal);
    }
  }

  async *list(prefix = '', options: AbortOptions = {}): AsyncIterable<BlockInfo> {
    throwIfAborted(options.signal);
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.#client.send(
          new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }),
          sendOptions(options.signal),
        );
      } catch (err) {
        throw fromS3Error(err, 'list blocks', this.#prefix + prefix, options.signal);
      }
      for (const obj of out.Contents ?? []) {
        const hash = (obj.Key ?? '').slice(this.#prefix.length);
        if (!HASH_KEY.test(hash)) continue;
        yield { hash, size: obj.Size ?? 0, mtimeMs: obj.LastModified?.getTime() ?? 0 };
      }
      token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async touch(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    await this.#touchKey(this.keyOf(hashOfLocator(locator)), options.signal);
  }

  /** Move the block to `<prefix>trash/<hash>`. @throws ERR_BLOCK_NOT_FOUND */
  async trash(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    await this.#move(this.keyOf(hash), this.#prefix + TRASH_DIR + hash, options.signal);
  }

  /** Restore a trashed block. @throws ERR_BLOCK_NOT_FOUND */
  async untrash(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    await this.#move(this.#prefix + TRASH_DIR + hash, this.keyOf(hash), options.signal);
  }

  async delete(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const key = this.keyOf(hashOfLocator(locator));
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }), sendOptions(options.signal));
    } catch (err) {
      if (!isS3NotFound(err)) throw fromS3Error(err, 'delete block', key, options.signal);
    }
  }

  /** Close the client's connections. */
  close(): void {
    this.#client.destroy();
  }

  async #touchKey(key: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.#client.send(
        new CopyObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          CopySource: `${this.#bucket}/${key}`,
          MetadataDirective: 'REPLACE',
          Metadata: { 'keepfs-touched': String(Date.now()) },
          ContentType: 'application/octet-stream',
        }),
        sendOptions(signal),
      );
    } catch (err) {
      throw fromS3Error(err, 'touch block', key, signal);
    }
  }

  async #move(from: string, to: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.#client.send(new CopyObjectCommand({ Bucket: this.#bucket, Key: to, CopySource: `${this.#bucket}/${from}` }), sendOptions(signal));
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: from }), sendOptions(signal));
    } catch (err) {
      throw fromS3Error(err, 'move block', from, signal);
    }
  }
}

/** Read a response body into one buffer (preallocated from Content-Length when known). */
async function readBody(body: Readable | undefined, contentLength: number | undefined, signal: AbortSignal | undefined): Promise<Uint8Array> {
  if (body === undefined) return new Uint8Array(0);
  const out = contentLength === undefined ? undefined : contentLength >= 256 * 1024 ? new Uint8Array(new SharedArrayBuffer(contentLength)) : new Uint8Array(contentLength);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    throwIfAborted(signal);
    if (out !== undefined) {
      if (received + chunk.byteLength > out.byteLength) throw new KeepError('ERR_VOLUME_UNAVAILABLE', 'Cannot read block: response longer than its Content-Length');
      out.set(chunk, received);
    } else chunks.push(chunk);
    received += chunk.byteLength;
  }
  if (out !== undefined) {
    if (received !== out.byteLength) throw new KeepError('ERR_VOLUME_UNAVAILABLE', `Cannot read block: response cut short (${received} of ${out.byteLength} bytes)`);
    return out;
  }
  return concatBytes(chunks, received);
}

/** SDK send options carrying `signal` when there is one. */
function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}
