// Worker side of HashPool: md5 of one buffer per message, with node:crypto.
import { createHash } from 'node:crypto';
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

parentPort?.on('message', (msg: HashRequest) => {
  const view = new Uint8Array(msg.buffer, msg.offset, msg.length);
  const hash = createHash('md5').update(view).digest('hex');
  if (msg.transferBack) {
    parentPort?.postMessage({ id: msg.id, hash, buffer: msg.buffer }, [msg.buffer as ArrayBuffer]);
  } else {
    parentPort?.postMessage({ id: msg.id, hash });
    collect();
  }
});
