import { MAX_BLOCK_SIZE_BYTES } from '../../blocks/block-store.js';

/** Bodies at least this large are received into shared memory (the hash pool reads it in place). */
const SHARED_FROM_BYTES = 256 * 1024;
/** Bodies at least this large borrow a recycled 64 MiB buffer. */
const RECYCLE_FROM_BYTES = 16 * 1024 * 1024;

/**
 * Receive buffers for PUT bodies, like keepstore's pool of 64 MiB block buffers: large bodies
 * land in a recycled 64 MiB SharedArrayBuffer (no page faults or GC pressure per block), small
 * ones in a fresh buffer. At most `maxIdle` buffers are kept between requests. A buffer may be
 * released only when nothing references it any more (stores keep no reference after `put`).
 */
export class ReceiveBuffers {
  readonly #free: SharedArrayBuffer[] = [];
  readonly #maxIdle: number;

  constructor(maxIdle = 4) {
    this.#maxIdle = maxIdle;
  }

  /** A zero-offset view of exactly `sizeBytes` bytes (contents unspecified). */
  acquire(sizeBytes: number): Uint8Array {
    if (sizeBytes >= RECYCLE_FROM_BYTES && sizeBytes <= MAX_BLOCK_SIZE_BYTES) {
      return new Uint8Array(this.#free.pop() ?? new SharedArrayBuffer(MAX_BLOCK_SIZE_BYTES), 0, sizeBytes);
    }
    return sizeBytes >= SHARED_FROM_BYTES ? new Uint8Array(new SharedArrayBuffer(sizeBytes)) : new Uint8Array(sizeBytes);
  }

  /** Give back a view from {@link acquire}; buffers that are not recyclable are left to the GC. */
  release(view: Uint8Array): void {
    const buf = view.buffer;
    if (buf instanceof SharedArrayBuffer && buf.byteLength === MAX_BLOCK_SIZE_BYTES && this.#free.length < this.#maxIdle && !this.#free.includes(buf)) {
      this.#free.push(buf);
    }
  }

  /** Idle buffers held. */
  get idle(): number {
    return this.#free.length;
  }
}
