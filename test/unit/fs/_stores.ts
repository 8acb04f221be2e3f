// Test stores for fault injection around a real MemoryStore.
import type { BlockStore, GetOptions, PutOptions, PutResult } from '../../../src/blocks/block-store.js';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { KeepError } from '../../../src/errors.js';

/** Wraps a MemoryStore: counts puts, tracks concurrency, can fail or stall puts. */
export class TestStore implements Pick<BlockStore, 'get' | 'put'> {
  readonly inner = new MemoryStore();
  puts = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Fail this many upcoming puts. */
  failNext = 0;
  /** Fail every put while true. */
  failAll = false;
  /** When set, puts wait for this promise before storing. */
  gate: Promise<void> | undefined;
  /** Artificial delay per put (ms). */
  delayMs = 0;

  async put(data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    this.puts++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gate !== undefined) await this.gate;
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.failAll || this.failNext > 0) {
        if (this.failNext > 0) this.failNext--;
        throw new KeepError('ERR_STORAGE_FULL', 'Cannot store block: injected failure');
      }
      return await this.inner.put(data, options);
    } finally {
      this.inFlight--;
    }
  }

  get(locator: string, options?: GetOptions): Promise<Uint8Array> {
    return this.inner.get(locator, options);
  }
}

/** A gate: `promise` resolves when `open()` is called. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}
