import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { KeepError } from '../errors.js';
import { concatBytes } from '../util/bytes.js';
import { BodyHasher } from './body-hasher.js';
import type { HashPool } from './hash-pool.js';

/** One HTTP exchange with a keep service. */
export interface KeepHttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** The caller's signal: aborting it fails the request with ERR_ABORTED. */
  signal: AbortSignal | undefined;
  /** Whole-request timeout in ms (ERR_TIMEOUT). */
  timeoutMs: number;
  /** Refuse response bodies larger than this. */
  maxBodyBytes: number;
  /** md5 the response body as it arrives (`KeepHttpResponse.md5`). */
  md5Body?: boolean;
  /** Pool that hashes large bodies (else they are hashed on this thread). */
  hashPool?: HashPool;
}

export interface KeepHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The whole body; large bodies are in shared memory (the hash pool reads them in place). */
  body: Uint8Array;
  /** md5 of `body` when the request asked for it (`md5Body`). */
  md5?: string;
}

const SHARED_FROM_BYTES = 256 * 1024;

/** A network-level failure (no HTTP status): connection refused/reset, timeout, short body. */
export function isNetworkFailure(err: unknown): boolean {
  return err instanceof KeepError && (err.code === 'ERR_REMOTE' || err.code === 'ERR_TIMEOUT');
}

/**
 * Send one request and read the whole response body (into one preallocated buffer when the
 * response has a Content-Length). Never retries.
 * @throws KeepError ERR_ABORTED (caller's signal), ERR_TIMEOUT, ERR_REMOTE (network failure)
 */
export function keepHttp(agent: Agent, r: KeepHttpRequest): Promise<KeepHttpResponse> {
  return new Promise((resolve, reject) => {
    if (r.signal?.aborted) {
      reject(new KeepError('ERR_ABORTED', 'Cannot continue: the operation was aborted', { cause: r.signal.reason }));
      return;
    }
    let settled = false;
    const headers: Record<string, string> = { ...r.headers, 'Content-Length': String(r.body?.byteLength ?? 0) };
    const req = request(r.url, { method: r.method, headers, agent });
    const fail = (err: KeepError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      req.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(new KeepError('ERR_ABORTED', 'Cannot continue: the operation was aborted', { cause: r.signal?.reason }));
    r.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => fail(new KeepError('ERR_TIMEOUT', `Cannot ${r.method} ${r.url.origin}: timed out after ${r.timeoutMs} ms`)), r.timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      r.signal?.removeEventListener('abort', onAbort);
    };
    req.on('error', (err) => fail(new KeepError('ERR_REMOTE', `Cannot ${r.method} ${r.url.origin}: ${err.message}`, { cause: err })));
    req.on('response', (res) => {
      const lengthHeader = r.method === 'HEAD' ? '0' : res.headers['content-length'];
      const declared = lengthHeader === undefined ? undefined : Number(lengthHeader);
      if (declared !== undefined && (!Number.isSafeInteger(declared) || declared < 0 || declared > r.maxBodyBytes)) {
        fail(new KeepError('ERR_REMOTE', `Cannot ${r.method} ${r.url.origin}: bad Content-Length "${lengthHeader}"`));
        return;
      }
      const fixed = declared === undefined ? undefined : declared >= SHARED_FROM_BYTES ? new Uint8Array(new SharedArrayBuffer(declared)) : new Uint8Array(declared);
      const chunks: Buffer[] = [];
      let received = 0;
      // With a Content-Length, bytes are hashed from the body buffer while the rest is arriving,
      // so the md5 is ready soon after the last byte instead of a whole-block hash later.
      const hasher = r.md5Body === true && fixed !== undefined && res.statusCode === 200 ? new BodyHasher(fixed, r.hashPool) : undefined;
      if (hasher !== undefined) res.once('close', () => hasher.cancel());
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        if (received + chunk.byteLength > (fixed?.byteLength ?? r.maxBodyBytes)) {
          fail(new KeepError('ERR_REMOTE', `Cannot ${r.method} ${r.url.origin}: response body too long`));
          return;
        }
        if (fixed !== undefined) fixed.set(chunk, received);
        else chunks.push(chunk);
        received += chunk.byteLength;
        hasher?.advance(received);
      });
      res.on('aborted', () => fail(new KeepError('ERR_REMOTE', `Cannot ${r.method} ${r.url.origin}: response cut short after ${received} bytes`)));
      res.on('error', (err) => fail(new KeepError('ERR_REMOTE', `Cannot ${r.method} ${r.url.origin}: ${err.message}`, { cause: err })));
      res.on('close', () => {
        if (!res.complete) fail(new KeepError('ERR_REMOTE', `Cannot ${r.method} ${r.url.origin}: response cut short after ${received} bytes`));
      });
      res.on('end', () => {
        if (settled) return;
        if (fixed !== undefined && received !== fixed.byteLength) {
          fail(new KeepError('ERR_REMOTE', `Cannot ${r.method} ${r.url.origin}: response cut short after ${received} of ${fixed.byteLength} bytes`));
          return;
        }
        settled = true;
        cleanup();
        const body = fixed ?? concatBytes(chunks, received);
        const out: KeepHttpResponse = { status: res.statusCode ?? 0, headers: res.headers, body };
        if (hasher === undefined) {
          resolve(out);
          return;
        }
        hasher.digest().then((md5) => resolve({ ...out, md5 }), reject);
      });
    });
    if (r.body !== undefined && r.body.byteLength > 0) req.end(Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength));
    else req.end();
  });
}

/** Retry on network errors, 408, 429 and 5xx except 507 (arvados-collections.md §7.3). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 507);
}
