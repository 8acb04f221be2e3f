import type { ServerResponse } from 'node:http';
import { KeepError } from '../../errors.js';

/** Send a keep protocol text response: `message + "\n"` (bodies of errors and of PUT). */
export function sendText(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(`${message}\n`, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.byteLength) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Wait for `res` to take more data; rejects when the client goes away. */
export function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      signal.removeEventListener('abort', done);
      if (signal.aborted || res.destroyed) reject(new KeepError('ERR_ABORTED', 'Cannot send response: the client went away'));
      else resolve();
    };
    res.on('drain', done).on('close', done);
    signal.addEventListener('abort', done);
  });
}
