import { Semaphore } from './semaphore.js';

/** An async mutex: `runExclusive(fn)` runs `fn` once every earlier holder has finished. */
export class Mutex {
  readonly #sem = new Semaphore(1);

  async runExclusive<T>(fn: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    const release = await this.#sem.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** True while someone holds the lock. */
  get locked(): boolean {
    return this.#sem.available === 0;
  }
}
