import { createHash, type Hash } from 'node:crypto';
import type { HashPool, HashSession } from './hash-pool.js';

/** Hash received bytes in steps of at least this much: fewer, larger updates. */
const STEP_BYTES = 2 * 1024 * 1024;

/**
 * The md5 of a response body that arrives into one buffer, computed while it arrives. A body in
 * shared memory is hashed by a HashPool worker, in place, so the receiving thread only copies
 * bytes; other bodies are hashed on this thread.
 */
export class BodyHasher {
  readonly #body: Uint8Array;
  #inline: Hash | undefined;
  #session: HashSession | undefined;
  #opening: Promise<HashSession> | undefined;
  #hashed = 0;
  /** digest or cancel was called: later calls of cancel do nothing. */
  #ended = false;
  #cancelled = false;

  constructor(body: Uint8Array, pool: HashPool | undefined) {
    this.#body = body;
    if (pool !== undefined && body.buffer instanceof SharedArrayBuffer && body.byteLength >= STEP_BYTES) {
      // Opening may wait for a free place in the pool; bytes arriving meanwhile are hashed later.
      this.#opening = pool.session();
      this.#opening.then(
        (s) => {
          if (this.#cancelled) s.cancel();
          else this.#session = s;
        },
        () => {},
      );
    } else {
      this.#inline = createHash('md5');
    }
  }

  /** The first `received` bytes of the body are in. */
  advance(received: number): void {
    if (received - this.#hashed < STEP_BYTES) return;
    const bytes = this.#body.subarray(this.#hashed, received);
    if (this.#inline !== undefined) this.#inline.update(bytes);
    else if (this.#session !== undefined) this.#session.update(bytes);
    else return; // session not open yet
    this.#hashed = received;
  }

  /** md5 hex of the whole body (all of it received). */
  async digest(): Promise<string> {
    this.#ended = true;
    if (this.#inline !== undefined) return this.#inline.update(this.#body.subarray(this.#hashed)).digest('hex');
    const session = this.#session ?? (await (this.#opening as Promise<HashSession>));
    session.update(this.#body.subarray(this.#hashed));
    return session.digest();
  }

  /** Stop (the body is not wanted); frees the pool place. */
  cancel(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#cancelled = true;
    this.#session?.cancel();
  }
}
