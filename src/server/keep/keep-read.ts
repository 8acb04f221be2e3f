import { EMPTY_BLOCK_HASH } from '../../blocks/block-store.js';
import { isKeepError, KeepError } from '../../errors.js';
import { KEEP_PROTOCOL_STATUS } from '../errors.js';
import { checkReadSignature } from './keep-auth-check.js';
import type { KeepRequest, KeepSettings } from './keep-context.js';
import { parseKeepLocator } from './keep-locator.js';
import { sendText } from './keep-respond.js';

/**
 * `GET|HEAD /<locator>`: read a block. GET needs a size hint (405 otherwise, except the empty
 * block). The store verifies the md5 of the whole block before anything is sent, so stored data
 * failing its checksum is a 502 "checksum mismatch in stored data" for GET as for HEAD.
 * (keepstore streams and can only cut a GET body short; a 502 is the clearer answer, and
 * clients that check md5 see a failure either way.)
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
  let data: Uint8Array;
  try {
    data = await settings.store.get(storeLocator, { verify: true, signal: ctx.signal });
  } catch (err) {
    if (!isKeepError(err, 'ERR_HASH_MISMATCH')) throw err;
    sendText(ctx.res, KEEP_PROTOCOL_STATUS.storedChecksumMismatch, 'checksum mismatch in stored data');
    return;
  }
  if (li.size !== undefined && li.size !== data.byteLength) throw new KeepError('ERR_BLOCK_NOT_FOUND', 'file does not exist');
  const headers: Record<string, string> = { 'Content-Length': String(data.byteLength), 'Content-Type': 'application/octet-stream' };
  if (ctx.method === 'HEAD') {
    // Last-Modified (not sent by keepstore) lets KeepClient.head report the block's mtime.
    const info = await settings.store.head(storeLocator, { signal: ctx.signal });
    ctx.res.writeHead(200, { ...headers, 'Last-Modified': new Date(info.mtimeMs).toUTCString() });
    ctx.res.end();
    return;
  }
  ctx.res.writeHead(200, headers);
  ctx.res.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}
