import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Semaphore } from '../util/semaphore.js';
import { KeepError } from '../errors.js';
import { throwIfAborted } from '../util/abort.js';

/** Buffers smaller than this are hashed on the calling thread: a message round trip costs more. */
const INLINE_BELOW_BYTES = 256 * 1024;

export interface HashPoolOptions {
  /** Worker threads (default: available parallelism, at least 1). */
  threads?: number;
  /** Hash tasks queued or running at once; further callers wait (default 4 per thread). */
  maxInFlight?: number;
  /** Hash buffers below this size inline (default 256 KiB). */
  inlineBelowBytes?: number;
  /**
   * Shared scratch buffers kept for reuse by copied (non-shared, non-transferred) inputs (default:
   * one per thread). Allocating and faulting in a fresh 64 MiB SharedArrayBuffer costs 70–200 ms
   * on the main thread; copying into a warm one costs 10–20 ms.
   */
  scratchBuffers?: number;
}

export interface DigestResult {
  /** md5, 32 lowercase hex digits. */
  hash: string;
  /** The data: the caller's view, or (after a transfer) a view over the returned buffer. */
  data: Uint8Array;
}

/**
 * An md5 computed piece by piece in one worker (HashPool.session): `update` queues bytes without
 * waiting, so hashing runs while the caller receives the next bytes.
 */
export interface HashSession {
  /**
   * Add `bytes`, which must be in shared memory and stay unchanged until `digest` settles (the
   * worker reads them in place, later).
   */
  update(bytes: Uint8Array): void;
  /** md5 hex of everything added; ends the session. */
  digest(): Promise<string>;
  /** End the session without a result (idempotent; a no-op after `digest`). */
  cancel(): void;
}

interface Pending {
  resolve: (r: { hash: string; buffer?: ArrayBuffer }) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
}

/**
 * md5 of whole blocks in worker threads (node:crypto). Data in a SharedArrayBuffer is shared, a
 * whole non-shared ArrayBuffer may be transferred (and returned), anything else is copied once
 * into shared memory. The queue is bounded: callers wait when `maxInFlight` tasks are pending.
 */
export class HashPool {
  readonly #slots: Slot[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #sem: Semaphore;
  readonly #threads: number;
  readonly #inlineBelow: number;
  readonly #maxScratch: number;
  /** Free scratch buffers, reused for copies; none is in use by a worker. */
  readonly #scratch: SharedArrayBuffer[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: HashPoolOptions = {}) {
    this.#threads = Math.max(1, options.threads ?? availableParallelism());
    this.#sem = new Semaphore(options.maxInFlight ?? this.#threads * 4);
    this.#inlineBelow = options.inlineBelowBytes ?? INLINE_BELOW_BYTES;
    this.#maxScratch = Math.max(0, options.scratchBuffers ?? this.#threads);
  }

  /** md5 hex of `data`. Never detaches or mutates the caller's buffer. */
  async md5(data: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<string> {
    return (await this.digest(data, { ...options, transfer: false })).hash;
  }

  /**
   * md5 of `data`. With `transfer: true` and a view covering a whole non-shared ArrayBuffer, the
   * buffer moves to the worker and back without a copy: use the returned `data`, the caller's view
   * is detached.
   */
  async digest(data: Uint8Array, options: { signal?: AbortSignal; transfer?: boolean } = {}): Promise<DigestResult> {
    throwIfAborted(options.signal);
    if (this.#closed) throw closedError();
    if (data.byteLength < this.#inlineBelow) return { hash: createHash('md5').update(data).digest('hex'), data };
    const release = await this.#acquire(options.signal);
    try {
      const buf = data.buffer;
      if (buf instanceof SharedArrayBuffer) {
        const r = await this.#run(buf, data.byteOffset, data.byteLength, false);
        return { hash: r.hash, data };
      }
      const whole = data.byteOffset === 0 && data.byteLength === buf.byteLength;
      if (options.transfer === true && whole) {
        const r = await this.#run(buf, 0, data.byteLength, true);
        return { hash: r.hash, data: new Uint8Array(r.buffer as ArrayBuffer) };
      }
      // One copy into shared memory keeps the caller's buffer intact and the main thread free.
      const scratch = this.#takeScratch(data.byteLength);
      try {
        new Uint8Array(scratch, 0, data.byteLength).set(data);
        const r = await this.#run(scratch, 0, data.byteLength, false);
        return { hash: r.hash, data };
      } finally {
        this.#giveScratch(scratch);
      }
    } finally {
      release();
    }
  }

  /**
   * An incremental md5 pinned to one worker (messages to a worker are handled in order). Holds
   * one of the `maxInFlight` places until it ends: always `digest` or `cancel` it.
   */
  async session(options: { signal?: AbortSignal } = {}): Promise<HashSession> {
    throwIfAborted(options.signal);
    if (this.#closed) throw closedError();
    const release = await this.#acquire(options.signal);
    const slot = this.#pickSlot();
    const vacate = occupy(slot);
    const session = this.#nextId++;
    let ended = false;
    const free = (): void => {
      release();
      vacate();
    };
    return {
      update: (bytes) => {
        if (ended) throw new KeepError('ERR_INTERNAL', 'Cannot hash: the session has ended');
        if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new KeepError('ERR_INTERNAL', 'Cannot hash: session bytes must be in shared memory');
        if (bytes.byteLength === 0) return;
        slot.worker.postMessage({ session, buffer: bytes.buffer, offset: bytes.byteOffset, length: bytes.byteLength });
      },
      digest: () => {
        if (ended) return Promise.reject(new KeepError('ERR_INTERNAL', 'Cannot hash: the session has ended'));
        const id = this.#nextId++;
        const answer = new Promise<string>((resolve, reject) => {
          this.#pending.set(id, { resolve: (r) => resolve(r.hash), reject });
        });
        ended = true;
        slot.worker.postMessage({ session, offset: 0, length: 0, id });
        // The worker stays ref'd until the answer is in.
        return answer.finally(free);
      },
      cancel: () => {
        if (ended) return;
        // Ends the worker's state too; the answer is dropped.
        ended = true;
        slot.worker.postMessage({ session, offset: 0, length: 0, id: this.#nextId++ });
        free();
      },
    };
  }

  /** One of the `maxInFlight` places; the release function gives it back. */
  async #acquire(signal: AbortSignal | undefined): Promise<() => void> {
    try {
      return await this.#sem.acquire(signal);
    } catch (err) {
      // Semaphore rejects with the signal's raw reason; callers expect the typed abort error.
      throwIfAborted(signal);
      throw err;
    }
  }

  /** Stop the workers. Pending tasks are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    const err = closedError();
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    this.#scratch.length = 0;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
    this.#slots.length = 0;
  }

  /** The smallest free scratch buffer of at least `size` bytes, or a new one. */
  #takeScratch(size: number): SharedArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.#scratch.length; i++) {
      const len = (this.#scratch[i] as SharedArrayBuffer).byteLength;
      if (len >= size && (best < 0 || len < (this.#scratch[best] as SharedArrayBuffer).byteLength)) best = i;
    }
    if (best < 0) return new SharedArrayBuffer(size);
    return this.#scratch.splice(best, 1)[0] as SharedArrayBuffer;
  }

  /** Keep a scratch buffer for reuse, preferring larger ones when the list is full. */
  #giveScratch(buf: SharedArrayBuffer): void {
    if (this.#closed || this.#maxScratch === 0) return;
    if (this.#scratch.length < this.#maxScratch) {
      this.#scratch.push(buf);
      return;
    }
    let smallest = 0;
    for (let i = 1; i < this.#scratch.length; i++) {
      if ((this.#scratch[i] as SharedArrayBuffer).byteLength < (this.#scratch[smallest] as SharedArrayBuffer).byteLength) smallest = i;
    }
    if ((this.#scratch[smallest] as SharedArrayBuffer).byteLength < buf.byteLength) this.#scratch[smallest] = buf;
  }

  #run(buffer: ArrayBuffer | SharedArrayBuffer, offset: number, length: number, transfer: boolean): Promise<{ hash: string; buffer?: ArrayBuffer }> {
    const slot = this.#pickSlot();
    const id = this.#nextId++;
    const vacate = occupy(slot);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const msg = { id, buffer, offset, length, transferBack: transfer };
      if (transfer) slot.worker.postMessage(msg, [buffer as ArrayBuffer]);
      else slot.worker.postMessage(msg);
    }).finally(vacate) as Promise<{ hash: string; buffer?: ArrayBuffer }>;
  }

  #pickSlot(): Slot {
    let best: Slot | undefined;
    for (const s of this.#slots) if (best === undefined || s.busy < best.busy) best = s;
    if (best !== undefined && (best.busy === 0 || this.#slots.length >= this.#threads)) return best;
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url));
    worker.on('message', (m: { id: number; hash: string; buffer?: ArrayBuffer }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      p.resolve(m.buffer === undefined ? { hash: m.hash } : { hash: m.hash, buffer: m.buffer });
    });
    worker.on('error', (e) => {
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    });
    // After the listeners: attaching a 'message' listener refs the worker again.
    worker.unref();
    const slot = { worker, busy: 0 };
    this.#slots.push(slot);
    return slot;
  }
}

function closedError(): KeepError {
  return new KeepError('ERR_INTERNAL', 'Cannot hash: the hash pool is closed');
}

let shared: HashPool | undefined;

/**
 * The process-wide pool used when a store is not given one. Workers are unref'd while idle, so
 * the pool never keeps a process alive; like libuv's thread pool it is a per-process resource.
 */
export function defaultHashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}

/**
 * Count a task on `slot`: a worker keeps the process alive only while it has one (idle workers
 * are unref'd). Returns the function that ends it.
 */
function occupy(slot: Slot): () => void {
  if (slot.busy++ === 0) slot.worker.ref();
  return () => {
    if (--slot.busy === 0) slot.worker.unref();
  };
}
