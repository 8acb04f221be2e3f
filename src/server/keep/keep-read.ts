import { readBlockStream } from '../../blocks/block-read-stream.js';
import { EMPTY_BLOCK_HASH } from '../../blocks/block-store.js';
import { isKeepError, KeepError } from '../../errors.js';
import { KEEP_PROTOCOL_STATUS } from '../errors.js';
import { checkReadSignature } from './keep-auth-check.js';
import type { KeepRequest, KeepSettings } from './keep-context.js';
import { parseKeepLocator } from './keep-locator.js';
import { drained, sendText } from './keep-respond.js';

/**
 * `GET|HEAD /<locator>`: read a block. GET needs a size hint (405 otherwise, except the empty
 * block). GET streams the block from the store while the store checks its md5 (keepstore
 * semantics): a block whose first chunk is also its last is checked before anything is sent, so
 * stored data failing its checksum is a 502 "checksum mismatch in stored data"; a larger block
 * found corrupt after its headers went out has its response aborted before the last chunk, so
 * the client sees a cut-short body, never a clean 200. HEAD reads and checks the whole block
 * before answering (502 as well).
 */
export async function handleRead(ctx: KeepRequest, settings: KeepSettings, locator: string): Promise<void> {
  const li = parseKeepLocator(locator);
  ctx.res.setHeader('Vary', 'X-Keep-Signature');
  if (ctx.method === 'GET' && li.size === undefined && li.hash !== EMPTY_BLOCK_HASH) {
    sendText(ctx.res, KEEP_PROTOCOL_STATUS.methodNotAllowed, 'method not allowed');
    return;
  }
  checkReadSignature(ctx, settings, locator);
  const storeLocator = li.size === undefined ? li.hash : `${li.hash}+${li.size}`;
  try {
    if (ctx.method === 'HEAD') await sendHead(ctx, settings, storeLocator, li.size);
    else await sendBlock(ctx, settings, storeLocator, li.size);
  } catch (err) {
    if (!isKeepError(err, 'ERR_HASH_MISMATCH')) throw err;
    // After the headers, sendText can only abort the response: what keepstore does too.
    sendText(ctx.res, KEEP_PROTOCOL_STATUS.storedChecksumMismatch, 'checksum mismatch in stored data');
  }
}

const BLOCK_HEADERS = { 'Content-Type': 'application/octet-stream' } as const;

async function sendHead(ctx: KeepRequest, settings: KeepSettings, storeLocator: string, sizeHint: number | undefined): Promise<void> {
  const data = await settings.store.get(storeLocator, { verify: true, signal: ctx.signal });
  if (sizeHint !== undefined && sizeHint !== data.byteLength) throw notFound();
  // Last-Modified (not sent by keepstore) lets KeepClient.head report the block's mtime.
  const info = await settings.store.head(storeLocator, { signal: ctx.signal });
  ctx.res.writeHead(200, { ...BLOCK_HEADERS, 'Content-Length': String(data.byteLength), 'Last-Modified': new Date(info.mtimeMs).toUTCString() });
  ctx.res.end();
}

/**
 * Send the block's chunks as the store yields them. The next chunk is requested before the
 * current one has drained to the socket, so reading and hashing it overlap the send.
 */
async function sendBlock(ctx: KeepRequest, settings: KeepSettings, storeLocator: string, sizeHint: number | undefined): Promise<void> {
  const stream = await readBlockStream(settings.store, storeLocator, { verify: true, signal: ctx.signal });
  const it = stream.chunks[Symbol.asyncIterator]();
  const res = ctx.res;
  try {
    if (sizeHint !== undefined && sizeHint !== stream.size) throw notFound();
    let step = await it.next(); // a missing or (one-chunk) corrupt block fails here, before any header
    res.writeHead(200, { ...BLOCK_HEADERS, 'Content-Length': String(stream.size) });
    while (step.done !== true) {
      const following = it.next();
      following.catch(() => {}); // observed below; the write may fail first
      const chunk = step.value;
      if (!res.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) await drained(res, ctx.signal);
      step = await following;
    }
    res.end();
  } finally {
    await it.return?.();
  }
}

function notFound(): KeepError {
  return new KeepError('ERR_BLOCK_NOT_FOUND', 'file does not exist');
}
