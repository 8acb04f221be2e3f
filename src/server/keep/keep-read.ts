import { EMPTY_BLOCK_HASH } from '../../blocks/block-store.js';
import { KeepError } from '../../errors.js';
import { KEEP_PROTOCOL_STATUS } from '../errors.js';
import { checkReadSignature } from './keep-auth-check.js';
import type { KeepRequest, KeepSettings } from './keep-context.js';
import { parseKeepLocator } from './keep-locator.js';
import { sendText } from './keep-respond.js';

/** Bytes held back until the md5 of a GET body is known: a mismatch cuts the body short. */
const HELD_BACK_BYTES = 64 * 1024;

/**
 * `GET|HEAD /<locator>`: read a block. GET needs a size hint (405 otherwise, except the empty
 * block). The md5 of the stored data is checked while it is sent: a GET whose data fails the
 * check is cut short (the status is already 200), a HEAD answers 502.
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
  const data = await settings.store.get(storeLocator, { verify: false, signal: ctx.signal });
  const md5 = settings.hashPool.md5(data, { signal: ctx.signal });
  if (li.size !== undefined && li.size !== data.byteLength) {
    md5.catch(() => {});
    throw new KeepError('ERR_BLOCK_NOT_FOUND', 'file does not exist');
  }
  if (ctx.method === 'HEAD') {
    const [actual, info] = await Promise.all([md5, settings.store.head(storeLocator, { signal: ctx.signal })]);
    if (actual !== li.hash) {
      sendText(ctx.res, KEEP_PROTOCOL_STATUS.storedChecksumMismatch, 'checksum mismatch in stored data');
      return;
    }
    // Last-Modified (not sent by keepstore) lets KeepClient.head report the block's mtime.
    ctx.res.writeHead(200, {
      'Content-Length': String(data.byteLength),
      'Content-Type': 'application/octet-stream',
      'Last-Modified': new Date(info.mtimeMs).toUTCString(),
    });
    ctx.res.end();
    return;
  }
  const res = ctx.res;
  res.writeHead(200, { 'Content-Length': String(data.byteLength), 'Content-Type': 'application/octet-stream' });
  const split = Math.max(0, data.byteLength - HELD_BACK_BYTES);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (split > 0) res.write(buf.subarray(0, split));
  let actual: string;
  try {
    actual = await md5;
  } catch (err) {
    res.destroy();
    throw err;
  }
  if (actual !== li.hash) {
    // Already committed to 200: the only way to tell the client is a short body.
    res.destroy();
    return;
  }
  res.end(buf.subarray(split));
}
