import type { IncomingMessage } from 'node:http';
import { KeepError } from '../../errors.js';
import { abortError, addAbortListener } from '../../util/abort.js';
import { BodyHasher } from '../../blocks/body-hasher.js';
import type { HashPool } from '../../blocks/hash-pool.js';
import type { ReceiveBuffers } from './keep-buffers.js';

/** A request body read into memory. */
export interface ReceivedBody {
  data: Uint8Array;
  /** The Content-Length header, or undefined for a chunked body. */
  declaredBytes: number | undefined;
  /** md5 of `data` when a hash pool was given (computed while the body arrived). */
  md5?: string;
}

/**
 * Read a request body of at most `maxBytes`. With a Content-Length the
 * bytes land in one preallocated buffer (no concatenation); a chunked body is collected and
 * copied once. With `hashPool`, the md5 is computed as the bytes arrive (a pool worker reads the
 * shared receive buffer in place), so it is ready soon after the last byte.
 * @throws KeepError ERR_BLOCK_TOO_LARGE (more than maxBytes), ERR_SIZE_MISMATCH (body shorter
 *   than its Content-Length), ERR_ABORTED
 */
export function readRequestBody(req: IncomingMessage, maxBytes: number, signal: AbortSignal, buffers: ReceiveBuffers, hashPool?: HashPool): Promise<ReceivedBody> {
  const header = req.headers['content-length'];
  const declared = header === undefined ? undefined : Number(header);
  if (declared !== undefined && (!Number.isSafeInteger(declared) || declared < 0)) {
    return Promise.reject(new KeepError('ERR_INVALID_ARGUMENT', `invalid Content-Length "${header}"`));
  }
  if (declared !== undefined && declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const fixed = declared === undefined ? undefined : buffers.acquire(declared);
    const hasher = fixed !== undefined && hashPool !== undefined ? new BodyHasher(fixed, hashPool) : undefined;
    let received = 0;
    let settled = false;
    const finish = (err: unknown, value?: ReceivedBody): void => {
      if (settled) return;
      settled = true;
      dispose();
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted).off('truncated', onAborted);
      if (err !== undefined) {
        hasher?.cancel();
        if (fixed !== undefined) buffers.release(fixed);
        reject(err);
        return;
      }
      const body = value as ReceivedBody;
      if (hashPool === undefined) {
        resolve(body);
        return;
      }
      const md5 = hasher !== undefined ? hasher.digest() : hashPool.md5(body.data, { signal });
      md5.then(
        (hash) => resolve({ ...body, md5: hash }),
        (e: unknown) => {
          buffers.release(body.data);
          reject(e);
        },
      );
    };
    const onData = (chunk: Buffer): void => {
      if (received + chunk.byteLength > (fixed?.byteLength ?? maxBytes)) {
        req.pause();
        finish(fixed === undefined ? tooLarge() : sizeMismatch(received + chunk.byteLength, fixed.byteLength));
        return;
      }
      if (fixed !== undefined) fixed.set(chunk, received);
      else chunks.push(chunk);
      received += chunk.byteLength;
      hasher?.advance(received);
    };
    const onEnd = (): void => {
      if (fixed !== undefined) {
        if (received !== fixed.byteLength) finish(sizeMismatch(received, fixed.byteLength));
        else finish(undefined, { data: fixed, declaredBytes: declared });
        return;
      }
      const data = buffers.acquire(received);
      let off = 0;
      for (const c of chunks) {
        data.set(c, off);
        off += c.byteLength;
      }
      finish(undefined, { data, declaredBytes: undefined });
    };
    const onError = (err: Error): void => finish(new KeepError('ERR_ABORTED', 'Cannot read request body: connection failed', { cause: err }));
    const onAborted = (): void => finish(sizeMismatch(received, declared ?? received));
    const dispose = addAbortListener(signal, () => finish(abortError(signal)));
    // 'truncated': emitted by the keep server when the client half-closed before the body's end.
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted).on('truncated', onAborted);
  });
}

function tooLarge(): KeepError {
  return new KeepError('ERR_BLOCK_TOO_LARGE', 'request body too large');
}

function sizeMismatch(actual: number, declared: number): KeepError {
  return new KeepError('ERR_SIZE_MISMATCH', `content length ${actual} did not match specified data size ${declared}`);
}
