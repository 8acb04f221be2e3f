// Worker side of HashPool: md5 of one buffer per message, with node:crypto.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

interface HashRequest {
  id: number;
  buffer: ArrayBuffer | SharedArrayBuffer;
  offset: number;
  length: number;
  transferBack: boolean;
}

parentPort?.on('message', (msg: HashRequest) => {
  const view = new Uint8Array(msg.buffer, msg.offset, msg.length);
  const hash = createHash('md5').update(view).digest('hex');
  if (msg.transferBack) parentPort?.postMessage({ id: msg.id, hash, buffer: msg.buffer }, [msg.buffer as ArrayBuffer]);
  else parentPort?.postMessage({ id: msg.id, hash });
});
