// Worker side of HashPool: md5 of one buffer per message, with node:crypto.
import { createHash, type Hash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';

interface HashRequest {
  id: number;
  buffer: ArrayBuffer | SharedArrayBuffer;
  offset: number;
  length: number;
  transferBack: boolean;
}

/** A step of a HashPool session: bytes to add (in order), and/or `id` to end it with a digest. */
interface SessionMessage {
  session: number;
  buffer?: SharedArrayBuffer;
  offset: number;
  length: number;
  id?: number;
}

/** After this many bytes hashed since the last full GC, the next collection is a full one. */
const MAJOR_GC_BYTES = 256 * 1024 * 1024;
let bytesSinceMajor = 0;

/**
 * Collect this (tiny) isolate after a hash. Each SharedArrayBuffer a message carries stays alive
 * as long as this isolate holds its wrapper object, and an idle worker allocates too little to
 * ever collect: without this, every 64 MiB block hashed in place stayed in memory until the worker
 * ended. The wrappers are young, so a minor GC frees them (≈ 1 ms; a full GC took 6–10 ms per
 * block, CPU a 2-core write path needs for md5); a full GC every 256 MiB catches any promoted one.
 */
const collect: (bytes: number) => void = (() => {
  type Gc = (options?: { type: 'minor' | 'major' }) => void;
  const existing = (globalThis as { gc?: Gc }).gc;
  let gc: Gc;
  if (existing !== undefined) gc = existing;
  else {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as Gc;
  }
  return (bytes: number) => {
    bytesSinceMajor += bytes;
    if (bytesSinceMajor < MAJOR_GC_BYTES) {
      gc({ type: 'minor' });
      return;
    }
    bytesSinceMajor = 0;
    gc({ type: 'major' });
  };
})();

/** Running md5s of HashPool sessions, by session id, with the bytes each has hashed. */
const sessions = new Map<number, { hash: Hash; bytes: number }>();

parentPort?.on('message', (msg: HashRequest | SessionMessage) => {
  if ('session' in msg) {
    onSession(msg);
    return;
  }
  const view = new Uint8Array(msg.buffer, msg.offset, msg.length);
  const hash = createHash('md5').update(view).digest('hex');
  if (msg.transferBack) {
    parentPort?.postMessage({ id: msg.id, hash, buffer: msg.buffer }, [msg.buffer as ArrayBuffer]);
  } else {
    parentPort?.postMessage({ id: msg.id, hash });
    collect(msg.length);
  }
});

function onSession(msg: SessionMessage): void {
  let s = sessions.get(msg.session);
  if (s === undefined) {
    s = { hash: createHash('md5'), bytes: 0 };
    sessions.set(msg.session, s);
  }
  if (msg.buffer !== undefined) {
    s.hash.update(new Uint8Array(msg.buffer, msg.offset, msg.length));
    s.bytes += msg.length;
  }
  if (msg.id === undefined) return;
  // The end of a session (digest, or cancel without an answer wanted).
  sessions.delete(msg.session);
  parentPort?.postMessage({ id: msg.id, hash: s.hash.digest('hex') });
  collect(s.bytes);
}
