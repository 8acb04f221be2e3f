import { MAX_BLOCK_SIZE_BYTES, type PutResult } from '../../blocks/block-store.js';
import { KeepError } from '../../errors.js';
import { signLocator } from '../../manifest/signature.js';
import { readRequestBody } from './keep-body.js';
import type { KeepRequest, KeepSettings } from './keep-context.js';
import { parseKeepLocator } from './keep-locator.js';
import { sendText } from './keep-respond.js';

/** `X-Keep-Storage-Classes: a, b` → `['a', 'b']` (trimmed, empties dropped). */
export function parseStorageClassesHeader(value: string | string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `{ a: 1, b: 0, c: 2 }` → `a=1, c=2` (only classes with at least one replica). */
export function formatClassesConfirmed(classes: Record<string, number>): string {
  return Object.entries(classes)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name}=${n}`)
    .join(', ');
}

/**
 * `PUT /<md5>`: store a block of at most 64 MiB. The body's length and md5 are checked against
 * the Content-Length and the path with keepstore's messages (the md5 while the body arrives;
 * a mismatch never reaches the store); the answer is the locator
 * (signed for the request token when a signing key is configured) plus the replica headers.
 */
export async function handleWrite(ctx: KeepRequest, settings: KeepSettings, pathLocator: string): Promise<void> {
  const li = parseKeepLocator(pathLocator);
  // The md5 is computed while the body arrives (as keepstore does), so the store is told the
  // hash is checked and only writes: hashing overlaps the transfer instead of following it.
  const body = await readRequestBody(ctx.req, MAX_BLOCK_SIZE_BYTES, ctx.signal, settings.buffers, settings.hashPool);
  const classes = parseStorageClassesHeader(ctx.req.headers['x-keep-storage-classes']);
  let result: PutResult;
  try {
    if (body.md5 !== li.hash) {
      throw new KeepError('ERR_HASH_MISMATCH', `content hash ${body.md5 ?? '(none)'} did not match specified locator ${pathLocator}`);
    }
    result = await settings.store.put(body.data, { hash: li.hash, hashChecked: true, signal: ctx.signal, ...(classes.length > 0 ? { storageClasses: classes } : {}) });
  } finally {
    // Stores keep no reference to the data once put has settled: the buffer can serve the next PUT.
    settings.buffers.release(body.data);
  }
  const hash = li.hash;
  let locator = `${hash}+${body.data.byteLength}`;
  if (settings.signingKey !== undefined && settings.signingKey !== '' && ctx.token !== undefined) {
    locator = signLocator(locator, {
      key: settings.signingKey,
      token: ctx.token,
      expiry: Math.floor(settings.now() / 1000) + settings.ttlSeconds,
      ttlSeconds: settings.ttlSeconds,
    });
  }
  sendText(ctx.res, 200, locator, {
    'X-Keep-Replicas-Stored': String(result.replicas),
    'X-Keep-Storage-Classes-Confirmed': formatClassesConfirmed(result.storageClasses),
  });
}
