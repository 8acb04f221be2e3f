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

/**
 * A full GC of this (tiny) isolate. Each SharedArrayBuffer a message carries stays alive as long
 * as this isolate holds its wrapper object, and an idle worker allocates too little to ever
 * collect: without this, every 64 MiB block hashed in place stayed in memory until the worker
 * ended. Costs about a millisecond here.
 */
const collect: () => void = (() => {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing !== undefined) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Running md5s of HashPool sessions, by session id. */
const sessions = new Map<number, Hash>();

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
    collect();
  }
});

function onSession(msg: SessionMessage): void {
  let h = sessions.get(msg.session);
  if (h === undefined) {
    h = createHash('md5');
    sessions.set(msg.session, h);
  }
  if (msg.buffer !== undefined) h.update(new Uint8Array(msg.buffer, msg.offset, msg.length));
  if (msg.id === undefined) return;
  // The end of a session (digest, or cancel without an answer wanted).
  sessions.delete(msg.session);
  parentPort?.postMessage({ id: msg.id, hash: h.digest('hex') });
  collect();
}
